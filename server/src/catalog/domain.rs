//! The catalog's domain: SKUs, money, categories, products and the rules of
//! a product listing query. No I/O here.

use app::catalog::ProductQueryParams;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Input that does not parse: which field, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidInput {
    pub field: &'static str,
    pub message: String,
}

impl InvalidInput {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}

/// A stock-keeping unit: 1–32 letters, digits or hyphens, stored upper-case.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sku(String);

/// The API's description of a SKU in a path: the rule of [`Sku::parse`].
impl utoipa::PartialSchema for Sku {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::openapi::text_matching("^[A-Za-z0-9-]{1,32}$")
    }
}

impl utoipa::ToSchema for Sku {}

impl Sku {
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let s = raw.trim().to_ascii_uppercase();
        let ok = (1..=32).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if ok {
            Ok(Self(s))
        } else {
            Err(InvalidInput::new("sku", format!("{raw:?} is not a SKU (1–32 letters, digits or hyphens)")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A category's URL name: 1–40 lower-case letters, digits or hyphens.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CategorySlug(String);

impl CategorySlug {
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let s = raw.trim();
        let ok =
            (1..=40).contains(&s.len()) && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(InvalidInput::new(
                "category",
                format!("{raw:?} is not a category (lower-case letters, digits, hyphens)"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An amount in integer minor units of an ISO 4217 currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Money {
    pub amount_minor: i64,
    pub currency: Currency,
}

/// A three-letter upper-case ISO 4217 code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Currency(String);

impl Currency {
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        if raw.len() == 3 && raw.chars().all(|c| c.is_ascii_uppercase()) {
            Ok(Self(raw.to_string()))
        } else {
            Err(InvalidInput::new("currency", format!("{raw:?} is not an ISO 4217 code")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Category {
    pub slug: CategorySlug,
    pub name: String,
    /// Display order on the home page.
    pub position: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    pub sku: Sku,
    pub name: String,
    pub description: String,
    pub category: CategorySlug,
    pub price: Money,
    pub stock: u32,
    pub image: String,
    pub fulfilment: app::catalog::Fulfilment,
    /// No longer sold: kept for administrators and the orders that bought it.
    pub archived: bool,
    /// How many times administrators have saved it (0: as seeded). Stock
    /// changes leave it alone, so an edit races only with other edits.
    pub revision: u64,
}

/// Lower-cased words a product must all contain (in its name or description).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SearchText(Vec<String>);

impl SearchText {
    pub const MAX_CHARS: usize = 100;

    /// `None` for blank input.
    pub fn parse(raw: &str) -> Result<Option<Self>, InvalidInput> {
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(InvalidInput::new("q", format!("search text is limited to {} characters", Self::MAX_CHARS)));
        }
        let words: Vec<String> = raw.split_whitespace().map(str::to_lowercase).collect();
        Ok((!words.is_empty()).then_some(Self(words)))
    }

    pub fn matches(&self, product: &Product) -> bool {
        let name = product.name.to_lowercase();
        let description = product.description.to_lowercase();
        self.0.iter().all(|w| name.contains(w.as_str()) || description.contains(w.as_str()))
    }
}

/// How many products a listing page holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageSize(usize);

impl PageSize {
    pub const DEFAULT: usize = 12;
    pub const MAX: usize = 100;

    pub fn parse(raw: Option<&str>) -> Result<Self, InvalidInput> {
        let Some(raw) = raw else { return Ok(Self(Self::DEFAULT)) };
        match raw.trim().parse::<usize>() {
            Ok(n) if (1..=Self::MAX).contains(&n) => Ok(Self(n)),
            _ => Err(InvalidInput::new(
                "limit",
                format!("limit must be a whole number from 1 to {}, not {raw:?}", Self::MAX),
            )),
        }
    }

    pub fn get(self) -> usize {
        self.0
    }
}

/// The opaque `cursor` of a listing: where the previous page stopped.
pub struct ProductCursor;

impl ProductCursor {
    const TAG: &'static str = "after:";

    pub fn encode(last: &Sku) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}{}", Self::TAG, last.as_str()))
    }

    pub fn decode(raw: &str) -> Result<Sku, InvalidInput> {
        let invalid = || InvalidInput::new("cursor", "cursor is not one this API returned");
        let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let sku = text.strip_prefix(Self::TAG).ok_or_else(invalid)?;
        Sku::parse(sku).map_err(|_| invalid())
    }
}

/// A parsed product listing request.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProductQuery {
    pub text: Option<SearchText>,
    pub category: Option<CategorySlug>,
    pub after: Option<Sku>,
    pub limit: PageSize,
}

impl ProductQuery {
    pub fn parse(params: &ProductQueryParams) -> Result<Self, InvalidInput> {
        let present = |v: &Option<String>| v.as_deref().filter(|s| !s.trim().is_empty()).map(str::to_owned);
        Ok(Self {
            text: match &params.q {
                Some(q) => SearchText::parse(q)?,
                None => None,
            },
            category: present(&params.category).map(|c| CategorySlug::parse(&c)).transpose()?,
            after: present(&params.cursor).map(|c| ProductCursor::decode(&c)).transpose()?,
            limit: PageSize::parse(params.limit.as_deref())?,
        })
    }

    /// Whether `product` matches the text (the category is applied by the index).
    pub fn admits(&self, product: &Product) -> bool {
        self.text.as_ref().is_none_or(|t| t.matches(product))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(
        q: Option<&str>,
        category: Option<&str>,
        cursor: Option<&str>,
        limit: Option<&str>,
    ) -> ProductQueryParams {
        let s = |v: Option<&str>| v.map(str::to_owned);
        ProductQueryParams { q: s(q), category: s(category), cursor: s(cursor), limit: s(limit) }
    }

    fn product(name: &str, description: &str) -> Product {
        Product {
            sku: Sku::parse("T-1").unwrap(),
            name: name.into(),
            description: description.into(),
            category: CategorySlug::parse("kitchen").unwrap(),
            price: Money { amount_minor: 100, currency: Currency::parse("USD").unwrap() },
            stock: 1,
            image: String::new(),
            fulfilment: Default::default(),
            archived: false,
            revision: 0,
        }
    }

    #[test]
    fn sku_is_normalised_and_validated() {
        assert_eq!(Sku::parse(" kit-001 ").unwrap().as_str(), "KIT-001");
        assert!(Sku::parse("").is_err());
        assert!(Sku::parse("KIT 001").is_err());
        assert!(Sku::parse(&"A".repeat(33)).is_err());
        assert_eq!(Sku::parse("a/b").unwrap_err().field, "sku");
    }

    #[test]
    fn search_is_case_insensitive_over_name_and_description_and_needs_every_word() {
        let p = product("Enamel Mug", "Keeps coffee HOT on the trail");
        assert!(SearchText::parse("mug").unwrap().unwrap().matches(&p));
        assert!(SearchText::parse("ENAMEL coffee").unwrap().unwrap().matches(&p));
        assert!(!SearchText::parse("mug tea").unwrap().unwrap().matches(&p));
        assert_eq!(SearchText::parse("   ").unwrap(), None);
        assert_eq!(SearchText::parse(&"x".repeat(101)).unwrap_err().field, "q");
    }

    #[test]
    fn limit_defaults_and_bounds() {
        assert_eq!(PageSize::parse(None).unwrap().get(), 12);
        assert_eq!(PageSize::parse(Some("100")).unwrap().get(), 100);
        for bad in ["0", "101", "-1", "ten", ""] {
            assert_eq!(PageSize::parse(Some(bad)).unwrap_err().field, "limit", "{bad}");
        }
    }

    #[test]
    fn cursor_round_trips_and_rejects_forgeries() {
        let sku = Sku::parse("OUT-003").unwrap();
        assert_eq!(ProductCursor::decode(&ProductCursor::encode(&sku)).unwrap(), sku);
        assert!(ProductCursor::decode("not base64!").is_err());
        assert!(ProductCursor::decode(&URL_SAFE_NO_PAD.encode("before:X")).is_err());
    }

    #[test]
    fn query_parses_all_fields_and_names_the_bad_one() {
        let q = ProductQuery::parse(&params(Some("Mug"), Some("kitchen"), None, Some("5"))).unwrap();
        assert_eq!(q.category.unwrap().as_str(), "kitchen");
        assert_eq!(q.limit.get(), 5);
        let empty = ProductQuery::parse(&params(Some(""), Some(""), Some(""), None)).unwrap();
        assert_eq!((empty.text, empty.category, empty.after), (None, None, None));
        assert_eq!(ProductQuery::parse(&params(None, Some("Kitchen!"), None, None)).unwrap_err().field, "category");
        assert_eq!(ProductQuery::parse(&params(None, None, Some("zzz"), None)).unwrap_err().field, "cursor");
    }
}
