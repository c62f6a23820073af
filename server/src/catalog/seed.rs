//! The demo catalog seeded at start (`seed_demo`), idempotently: an item
//! already present is left alone, so stock changes survive restarts.

use super::CatalogError;
use super::domain::{Category, CategorySlug, Currency, Money, Product, Sku};
use super::store::CatalogTable;

/// What a seeding run added.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub categories_added: usize,
    pub products_added: usize,
}

/// (slug, name)
const CATEGORIES: &[(&str, &str)] = &[
    ("kitchen", "Kitchen"),
    ("home", "Home"),
    ("garden", "Garden"),
    ("outdoors", "Outdoors"),
    ("stationery", "Stationery"),
    ("personal-care", "Personal care"),
    ("digital", "Gift cards & guides"),
];

/// Products in this category are delivered digitally (no packing, no courier).
const DIGITAL_CATEGORY: &str = "digital";

/// (sku, category, name, price in cents, stock, description)
type DemoProduct = (&'static str, &'static str, &'static str, i64, u32, &'static str);

const PRODUCTS: &[DemoProduct] = &[
    (
        "KIT-001",
        "kitchen",
        "Enamel Camp Mug",
        1450,
        40,
        "A chip-resistant enamel mug that keeps its colour through years of campfires and dishwashers. Holds 350 ml.",
    ),
    (
        "KIT-002",
        "kitchen",
        "Cast Iron Skillet 26 cm",
        4900,
        18,
        "Pre-seasoned cast iron that sears evenly, goes from hob to oven, and lasts for generations.",
    ),
    (
        "KIT-003",
        "kitchen",
        "Chef's Knife 20 cm",
        8900,
        12,
        "Forged stainless steel with a full tang and a walnut handle. Sharpened by hand before it ships.",
    ),
    (
        "KIT-004",
        "kitchen",
        "Beech Cutting Board",
        3200,
        25,
        "End-grain beech that is kind to knife edges. Oiled with food-safe linseed.",
    ),
    (
        "KIT-005",
        "kitchen",
        "Pour-Over Coffee Set",
        3900,
        3,
        "A porcelain dripper, a glass carafe and 100 unbleached filters for a clean, bright cup.",
    ),
    (
        "HOM-001",
        "home",
        "Linen Throw Blanket",
        8900,
        15,
        "Stonewashed European linen, soft from the first day and softer with every wash.",
    ),
    (
        "HOM-002",
        "home",
        "Ceramic Table Lamp",
        7400,
        9,
        "A hand-glazed stoneware base with a warm linen shade. Takes any E27 bulb.",
    ),
    (
        "HOM-003",
        "home",
        "Wool Doormat",
        3900,
        20,
        "Thick undyed wool that traps mud and dries quickly. Non-slip natural rubber backing.",
    ),
    (
        "HOM-004",
        "home",
        "Cotton Bath Towel Set",
        5600,
        30,
        "Two bath towels and two hand towels in heavy organic cotton terry.",
    ),
    (
        "HOM-005",
        "home",
        "Beeswax Candle Trio",
        2400,
        50,
        "Three hand-poured beeswax candles with cotton wicks. Clean, honey-scented light.",
    ),
    (
        "GAR-001",
        "garden",
        "Stainless Hand Trowel",
        1900,
        35,
        "A one-piece stainless steel trowel with depth markings and an ash handle.",
    ),
    (
        "GAR-002",
        "garden",
        "Bypass Pruning Shears",
        3400,
        22,
        "Carbon steel blades for clean cuts on living stems up to 20 mm. Every part replaceable.",
    ),
    (
        "GAR-003",
        "garden",
        "Galvanised Watering Can 5 L",
        4500,
        14,
        "Hot-dip galvanised steel with a brass rose for a gentle shower on seedlings.",
    ),
    (
        "GAR-004",
        "garden",
        "Heirloom Tomato Seeds",
        450,
        200,
        "Open-pollinated seeds of five heirloom varieties, from yellow pear to black krim.",
    ),
    (
        "GAR-005",
        "garden",
        "Terracotta Planter Set",
        2900,
        16,
        "Three frost-resistant terracotta pots with saucers, 12, 16 and 20 cm across.",
    ),
    (
        "OUT-001",
        "outdoors",
        "Insulated Water Bottle 750 ml",
        2900,
        45,
        "Double-walled stainless steel keeps water cold for 24 hours and tea hot for 12.",
    ),
    (
        "OUT-002",
        "outdoors",
        "Merino Wool Beanie",
        3500,
        28,
        "Fine merino rib knit that is warm, breathable and never itchy.",
    ),
    (
        "OUT-003",
        "outdoors",
        "Waxed Canvas Daypack",
        11900,
        7,
        "A 20-litre daypack in waxed cotton canvas with leather straps and a padded laptop sleeve.",
    ),
    (
        "OUT-004",
        "outdoors",
        "LED Head Torch",
        2700,
        33,
        "300 lumens, USB-C rechargeable, with a red night mode that keeps your night vision.",
    ),
    (
        "OUT-005",
        "outdoors",
        "Packable Rain Jacket",
        13900,
        0,
        "A three-layer waterproof shell that packs into its own pocket. Back in stock soon.",
    ),
    (
        "STA-001",
        "stationery",
        "Dot Grid Notebook A5",
        1600,
        60,
        "192 numbered pages of 100 gsm paper that fountain pens love. Lies flat.",
    ),
    (
        "STA-002",
        "stationery",
        "Refillable Fountain Pen",
        4200,
        19,
        "A steel nib in a brass body that will outlast every cartridge you put in it.",
    ),
    (
        "STA-003",
        "stationery",
        "Recycled Pencil Set",
        850,
        80,
        "Twelve HB pencils made from recycled newspaper, with a tin sharpener.",
    ),
    (
        "STA-004",
        "stationery",
        "Brass Desk Ruler",
        1800,
        24,
        "A 30 cm solid brass ruler, etched in millimetres and inches. Ages beautifully.",
    ),
    (
        "STA-005",
        "stationery",
        "Letterpress Greeting Cards",
        1200,
        40,
        "Six blank cards pressed on cotton paper, with kraft envelopes.",
    ),
    (
        "CAR-001",
        "personal-care",
        "Olive Oil Soap Bar",
        650,
        120,
        "Cold-process soap of olive oil and nothing you cannot pronounce. Unscented.",
    ),
    (
        "CAR-002",
        "personal-care",
        "Bamboo Toothbrush Pack",
        900,
        90,
        "Four toothbrushes with compostable bamboo handles and soft bristles.",
    ),
    (
        "CAR-003",
        "personal-care",
        "Natural Bristle Hairbrush",
        2400,
        21,
        "A beech paddle brush with natural bristles that spread oils and tame static.",
    ),
    (
        "CAR-004",
        "personal-care",
        "Shea Hand Cream",
        1300,
        55,
        "Rich shea butter cream in a recyclable aluminium tube. Absorbs without grease.",
    ),
    (
        "CAR-005",
        "personal-care",
        "Cedar Shaving Kit",
        5400,
        10,
        "A safety razor, a badger-free brush and a cedar-scented shaving soap in a tin.",
    ),
    (
        "DIG-001",
        "digital",
        "Gift Card 25.00",
        2500,
        9999,
        "A gift card code e-mailed at once, good for anything in the store for a year.",
    ),
    (
        "DIG-002",
        "digital",
        "Campfire Recipes (e-book)",
        900,
        9999,
        "Forty one-pot recipes for the trail, with photographs and shopping lists. PDF and EPUB, download at once.",
    ),
    (
        "DIG-003",
        "digital",
        "Camp Cooking Video Course",
        2900,
        9999,
        "Twelve short lessons from lighting a fire to baking flatbread on it. Streams on any device.",
    ),
];

/// The site path of a product's picture (the files live in `public/images/products/`).
pub fn image_path(sku: &str) -> String {
    format!("/images/products/{}.svg", sku.to_ascii_lowercase())
}

fn demo_categories() -> Result<Vec<Category>, CatalogError> {
    CATEGORIES
        .iter()
        .zip(0u32..)
        .map(|((slug, name), position)| {
            Ok(Category { slug: CategorySlug::parse(slug)?, name: (*name).into(), position })
        })
        .collect()
}

fn demo_products() -> Result<Vec<Product>, CatalogError> {
    let usd = Currency::parse("USD")?;
    PRODUCTS
        .iter()
        .map(|(sku, category, name, cents, stock, description)| {
            Ok(Product {
                sku: Sku::parse(sku)?,
                name: (*name).into(),
                description: (*description).into(),
                category: CategorySlug::parse(category)?,
                price: Money { amount_minor: *cents, currency: usd.clone() },
                stock: *stock,
                image: image_path(sku),
                fulfilment: if *category == DIGITAL_CATEGORY {
                    app::catalog::Fulfilment::Digital
                } else {
                    app::catalog::Fulfilment::Physical
                },
            })
        })
        .collect()
}

pub async fn seed_demo(table: &CatalogTable) -> Result<SeedReport, CatalogError> {
    let mut report = SeedReport::default();
    for category in demo_categories()? {
        report.categories_added += usize::from(table.insert_category_if_absent(&category).await?);
    }
    for product in demo_products()? {
        report.products_added += usize::from(table.insert_product_if_absent(&product).await?);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::path::Path;

    #[test]
    fn demo_data_is_valid_and_big_enough() {
        let products = demo_products().unwrap();
        let categories = demo_categories().unwrap();
        assert!(products.len() >= 24 && categories.len() >= 4);
        let skus: HashSet<_> = products.iter().map(|p| p.sku.clone()).collect();
        assert_eq!(skus.len(), products.len(), "SKUs are unique");
        let slugs: HashSet<_> = categories.iter().map(|c| c.slug.clone()).collect();
        for p in &products {
            assert!(slugs.contains(&p.category), "{} has a known category", p.sku.as_str());
            assert!(p.price.amount_minor > 0);
        }
    }

    #[test]
    fn every_product_has_its_picture_in_public() {
        let public = Path::new(env!("CARGO_MANIFEST_DIR")).join("../public");
        for (sku, ..) in PRODUCTS {
            let file = public.join(image_path(sku).trim_start_matches('/'));
            assert!(file.is_file(), "missing {}", file.display());
        }
    }
}
