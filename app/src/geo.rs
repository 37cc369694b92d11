//! Where a session signed in from, for the Sessions tab: looked up offline
//! in a MaxMind-format database file (the `geoip-database` setting) when the
//! session is created, and stored with it. Nothing is asked of any service.
//! Loopback and private addresses read "Local network"; without a database,
//! or for an address it does not know, "Unknown location".

use maxminddb::{path, Reader};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

pub const LOCAL: &str = "Local network";
pub const UNKNOWN: &str = "Unknown location";

/// An opened database, shared read-only by every request.
pub struct Locator {
    reader: Reader<Vec<u8>>,
    path: PathBuf,
}

impl std::fmt::Debug for Locator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Locator").field("path", &self.path).finish()
    }
}

impl Locator {
    pub fn open(path: &Path) -> Result<Locator, String> {
        let reader = Reader::open_readfile(path)
            .map_err(|e| format!("geoip-database {}: {e}", path.display()))?;
        Ok(Locator {
            reader,
            path: path.to_path_buf(),
        })
    }

    /// "Berlin, Germany", "Germany", or `None` when the database has no
    /// record for the address. Both GeoIP2/GeoLite2 records (names) and the
    /// country-only databases of ip-location-db (`country_code`) are read.
    fn place(&self, ip: IpAddr) -> Option<String> {
        let found = self.reader.lookup(ip).ok()?;
        let text = |p: &[maxminddb::PathElement<'_>]| -> Option<String> {
            found
                .decode_path::<String>(p)
                .ok()
                .flatten()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let country = text(&path!["country", "names", "en"]).or_else(|| {
            text(&path!["country", "iso_code"])
                .or_else(|| text(&path!["country_code"]))
                .map(|code| country_name(&code))
        })?;
        Some(match text(&path!["city", "names", "en"]) {
            Some(city) => format!("{city}, {country}"),
            None => country,
        })
    }
}

/// The English name of an ISO 3166-1 alpha-2 code; the code itself when
/// it is not one. The standard's long forms ("United Kingdom of Great
/// Britain and Northern Ireland", "Korea (Republic of)") give way to the
/// names people use, which also fit a phone's column.
fn country_name(code: &str) -> String {
    let code = code.trim().to_ascii_uppercase();
    let short = match code.as_str() {
        "GB" => Some("United Kingdom"),
        "US" => Some("United States"),
        "RU" => Some("Russia"),
        "KR" => Some("South Korea"),
        "KP" => Some("North Korea"),
        "IR" => Some("Iran"),
        "VN" => Some("Vietnam"),
        "TW" => Some("Taiwan"),
        "BO" => Some("Bolivia"),
        "VE" => Some("Venezuela"),
        "TZ" => Some("Tanzania"),
        "SY" => Some("Syria"),
        "LA" => Some("Laos"),
        "MD" => Some("Moldova"),
        "MK" => Some("North Macedonia"),
        "CD" => Some("DR Congo"),
        "FM" => Some("Micronesia"),
        "PS" => Some("Palestine"),
        "BN" => Some("Brunei"),
        "TR" => Some("Türkiye"),
        _ => None,
    };
    match short {
        Some(name) => name.to_string(),
        None => isocountry::CountryCode::for_alpha2(&code)
            .map(|c| c.name().to_string())
            .unwrap_or(code),
    }
}

/// Loopback, private, link-local and unique-local addresses.
fn is_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified()
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_local(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                v6.is_loopback()
                    || v6.is_unspecified()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80
            }
        },
    }
}

/// Where `ip` (as the request context holds it) is, for people to read.
pub fn locate(locator: Option<&Locator>, ip: &str) -> String {
    let Ok(addr) = ip.trim().parse::<IpAddr>() else {
        return UNKNOWN.into();
    };
    if is_local(addr) {
        return LOCAL.into();
    }
    locator
        .and_then(|l| l.place(addr))
        .unwrap_or_else(|| UNKNOWN.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_and_unknown_addresses() {
        for local in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.9",
            "172.16.4.4",
            "169.254.1.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:192.168.1.1",
        ] {
            assert_eq!(locate(None, local), LOCAL, "{local}");
        }
        assert_eq!(locate(None, "203.0.113.9"), UNKNOWN);
        assert_eq!(locate(None, "2001:db8::1"), UNKNOWN);
        assert_eq!(locate(None, "unknown"), UNKNOWN);
    }

    #[test]
    fn country_codes_read_as_names() {
        assert_eq!(country_name("DE"), "Germany");
        assert_eq!(country_name("gb"), "United Kingdom");
        assert_eq!(country_name("US"), "United States");
        assert_eq!(country_name("zz"), "ZZ");
    }
}
