//! Walking a list's items, an object's entries and a variant's content.

use super::{Error, Parsed, Reader};
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

/// A list's items, read in order.
pub(super) struct Items<P>(pub(super) std::vec::IntoIter<P>);

impl<'de, P: Parsed> de::SeqAccess<'de> for Items<P> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|item| seed.deserialize(Reader(item))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// An object's entries, read in order: each key, then its value.
pub(super) struct Entries<P> {
    pub(super) entries: std::vec::IntoIter<(String, P)>,
    pub(super) value: Option<P>,
}

impl<'de, P: Parsed> de::MapAccess<'de> for Entries<P> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else { return Ok(None) };
        self.value = Some(value);
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self.value.take().ok_or_else(|| Error("a value read before its key".into()))?;
        seed.deserialize(Reader(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// A variant with content: its name, and the content read as the variant's kind asks.
pub(super) struct Variant<P> {
    pub(super) name: String,
    pub(super) content: P,
}

impl<'de, P: Parsed> de::EnumAccess<'de> for Variant<P> {
    type Error = Error;
    type Variant = Reader<P>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Reader<P>), Error> {
        let name = seed.deserialize(self.name.into_deserializer())?;
        Ok((name, Reader(self.content)))
    }
}

impl<'de, P: Parsed> de::VariantAccess<'de> for Reader<P> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        de::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(self, _: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}
