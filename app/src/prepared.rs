//! A server function's answer that the server may hold already serialised.
//!
//! The browser always receives and decodes plain JSON of `T`. On the server
//! a [`Prepared`] can carry that JSON, made once and shared from a cache, so
//! answering the same question again writes bytes instead of serialising
//! the value anew. Read it with [`Prepared::into_value`]. A server function
//! that answers with it declares `output = Post<PreparedJson>`, so the held
//! bytes go out as they are, without being copied into a new body.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};

#[derive(Clone, Debug)]
pub struct Prepared<T>(Inner<T>);

#[derive(Clone, Debug)]
enum Inner<T> {
    Value(T),
    /// JSON of a `T`, made by serialising it.
    #[cfg(feature = "ssr")]
    Json(Bytes),
}

impl<T> Prepared<T> {
    pub fn value(value: T) -> Self {
        Prepared(Inner::Value(value))
    }
}

#[cfg(feature = "ssr")]
impl<T: Serialize> Prepared<T> {
    /// `value` serialised once, to be answered many times.
    pub fn serialise(value: &T) -> Result<Self, serde_json::Error> {
        serde_json::to_vec(value).map(|json| Prepared(Inner::Json(json.into())))
    }

    /// The JSON's length in bytes (0 for a plain value).
    pub fn json_len(&self) -> usize {
        match &self.0 {
            Inner::Value(_) => 0,
            Inner::Json(json) => json.len(),
        }
    }
}

impl<T: DeserializeOwned> Prepared<T> {
    /// The value; decoded from the held JSON when the server rendered a
    /// page with it.
    pub fn into_value(self) -> T {
        match self.0 {
            Inner::Value(v) => v,
            #[cfg(feature = "ssr")]
            Inner::Json(json) => {
                serde_json::from_slice(&json).expect("JSON made by serialising a T decodes as a T")
            }
        }
    }
}

impl<T: Serialize> Serialize for Prepared<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Inner::Value(v) => v.serialize(s),
            #[cfg(feature = "ssr")]
            Inner::Json(json) => serde_json::from_slice::<&serde_json::value::RawValue>(json)
                .map_err(serde::ser::Error::custom)?
                .serialize(s),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Prepared<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Prepared::value)
    }
}

/// JSON, like server functions' `Json`, for [`Prepared`] answers: held JSON
/// is the body as it is.
pub struct PreparedJson;

impl ContentType for PreparedJson {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for PreparedJson {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<Prepared<T>> for PreparedJson {
    type Error = serde_json::Error;

    fn encode(output: &Prepared<T>) -> Result<Bytes, Self::Error> {
        match &output.0 {
            Inner::Value(v) => serde_json::to_vec(v).map(Bytes::from),
            #[cfg(feature = "ssr")]
            Inner::Json(json) => Ok(json.clone()),
        }
    }
}

impl<T: DeserializeOwned> Decodes<Prepared<T>> for PreparedJson {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<Prepared<T>, Self::Error> {
        serde_json::from_slice(&bytes).map(Prepared::value)
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    struct Page {
        days: Vec<String>,
        next: Option<String>,
    }

    #[test]
    fn held_json_is_written_as_is_and_reads_back_as_the_value() {
        let page = Page {
            days: vec!["Today \"quoted\"".into(), "Mon, 2 Nov".into()],
            next: None,
        };
        let plain = serde_json::to_string(&Prepared::value(page.clone())).unwrap();
        let held = Prepared::serialise(&page).unwrap();
        assert_eq!(held.json_len(), plain.len());
        assert_eq!(serde_json::to_string(&held).unwrap(), plain);
        // Inside a larger answer too.
        let wrapped = serde_json::to_string(&vec![held.clone()]).unwrap();
        assert_eq!(wrapped, format!("[{plain}]"));
        let back: Prepared<Page> = serde_json::from_str(&plain).unwrap();
        assert_eq!(back.into_value(), page);
        // As a server function's body: the held bytes themselves, and the
        // same JSON as the plain value's.
        let body = PreparedJson::encode(&held).unwrap();
        assert_eq!(body, plain.as_bytes());
        assert_eq!(
            PreparedJson::encode(&Prepared::value(page.clone())).unwrap(),
            plain.as_bytes()
        );
        let decoded: Prepared<Page> = PreparedJson::decode(body).unwrap();
        assert_eq!(decoded.into_value(), page);
        assert_eq!(held.into_value(), page);
    }
}
