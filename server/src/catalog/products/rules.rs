//! What a product written by an administrator must be: each field checked,
//! and the first that is wrong named with what would be right.

use crate::catalog::domain::{Category, CategorySlug, InvalidInput};
use app::catalog::Fulfilment;
use app::products::{PLAIN_PICTURE, ProductInput};

pub const NAME_MAX: usize = 120;
pub const DESCRIPTION_MAX: usize = 2_000;
pub const PRICE_MAX: i64 = 100_000_000;
const IMAGE_MAX: usize = 200;

/// A product's fields as they will be stored.
pub struct Checked {
    pub name: String,
    pub description: String,
    pub price_minor: i64,
    pub category: CategorySlug,
    pub fulfilment: Fulfilment,
    pub image: String,
}

/// `input`'s fields, checked against the store's `categories`.
pub fn check(input: &ProductInput, categories: &[Category]) -> Result<Checked, InvalidInput> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(InvalidInput::new("name", format!("give the product a name of 1–{NAME_MAX} characters")));
    }
    let description = input.description.trim();
    if description.chars().count() > DESCRIPTION_MAX {
        return Err(InvalidInput::new(
            "description",
            format!("keep the description within {DESCRIPTION_MAX} characters"),
        ));
    }
    if !(1..=PRICE_MAX).contains(&input.price_minor) {
        return Err(InvalidInput::new("price_minor", "the price must be above 0 and at most 1,000,000.00"));
    }
    let category = CategorySlug::parse(&input.category)
        .ok()
        .filter(|slug| categories.iter().any(|c| &c.slug == slug))
        .ok_or_else(|| {
            let known: Vec<&str> = categories.iter().map(|c| c.slug.as_str()).collect();
            InvalidInput::new("category", format!("choose one of the store's categories: {}", known.join(", ")))
        })?;
    Ok(Checked {
        name: name.into(),
        description: description.into(),
        price_minor: input.price_minor,
        category,
        fulfilment: input.fulfilment,
        image: image(&input.image)?,
    })
}

/// The picture's site path: one under `/images/`, or the plain picture when none is given.
fn image(raw: &str) -> Result<String, InvalidInput> {
    let path = raw.trim();
    if path.is_empty() {
        return Ok(PLAIN_PICTURE.into());
    }
    let safe = path.chars().all(|c| c.is_ascii_alphanumeric() || "/-_.".contains(c));
    let picture = [".svg", ".png", ".jpg", ".jpeg", ".webp"].iter().any(|x| path.to_ascii_lowercase().ends_with(x));
    if path.starts_with("/images/") && safe && picture && !path.contains("..") && path.len() <= IMAGE_MAX {
        Ok(path.into())
    } else {
        Err(InvalidInput::new("image", "give the picture's path on this site, e.g. /images/products/kit-001.svg"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn categories() -> Vec<Category> {
        vec![Category { slug: CategorySlug::parse("kitchen").unwrap(), name: "Kitchen".into(), position: 1 }]
    }

    fn input() -> ProductInput {
        ProductInput {
            name: " Tea Towel ".into(),
            description: "Linen.".into(),
            price_minor: 900,
            category: "kitchen".into(),
            fulfilment: Fulfilment::Physical,
            image: String::new(),
            archived: false,
            expected_version: None,
        }
    }

    fn field(change: impl FnOnce(&mut ProductInput)) -> Option<&'static str> {
        let mut input = input();
        change(&mut input);
        check(&input, &categories()).err().map(|e| e.field)
    }

    #[test]
    fn a_good_product_is_trimmed_and_gets_the_plain_picture() {
        let checked = check(&input(), &categories()).unwrap();
        assert_eq!((checked.name.as_str(), checked.image.as_str()), ("Tea Towel", PLAIN_PICTURE));
    }

    #[test]
    fn each_bad_field_is_named() {
        assert_eq!(field(|i| i.name = "  ".into()), Some("name"));
        assert_eq!(field(|i| i.name = "x".repeat(NAME_MAX + 1)), Some("name"));
        assert_eq!(field(|i| i.description = "x".repeat(DESCRIPTION_MAX + 1)), Some("description"));
        assert_eq!(field(|i| i.price_minor = 0), Some("price_minor"));
        assert_eq!(field(|i| i.price_minor = PRICE_MAX + 1), Some("price_minor"));
        assert_eq!(field(|i| i.category = "garden".into()), Some("category"));
        assert_eq!(field(|i| i.image = "https://elsewhere.example/x.png".into()), Some("image"));
        assert_eq!(field(|i| i.image = "/images/../secret.svg".into()), Some("image"));
        assert_eq!(field(|i| i.image = "/images/products/kit-001.svg".into()), None);
    }
}
