//! Data a page loads from the server: [`load`] makes a Leptos resource that
//! travels as JSON, as `Resource::new` does, but decodes the server's
//! rendered value from bytes, exactly as server functions decode their
//! replies. Serde's decoding code is generated per input type; with one
//! input type in the browser, each result type's decoder is built once,
//! not once for the page's first value and again for later loads.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;

/// The codec of [`Loaded`] resources: JSON, decoded from bytes.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(val: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(val)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(val: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(val.as_bytes())
    }
}

/// A resource made by [`load`].
pub type Loaded<T> = Resource<T, Json>;

/// `Resource::new` with the [`Json`] codec: runs `fetcher` whenever
/// `source` changes; the server's first value is sent with the page.
#[track_caller]
pub fn load<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> Loaded<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: Send + Sync + Clone + PartialEq + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_what_json_encodes() {
        let value: Result<Vec<(String, u32)>, String> = Ok(vec![("é \"q\"".into(), 7)]);
        let text = <Json as Encoder<_>>::encode(&value).unwrap();
        let back: Result<Vec<(String, u32)>, String> = <Json as Decoder<_>>::decode(&text).unwrap();
        assert_eq!(back, value);
        assert!(<Json as Decoder<u32>>::decode("\"x\"").is_err());
    }
}
