//! Reading a backup file: plain or gzip (told apart by its first bytes),
//! parsed as it is read. Everything but the time entries is small and comes
//! back whole ([`Head`]); each entry is handed to a callback as it is
//! parsed, so a million entries never sit in memory at once.

use super::super::format::{self, Client, Counts, Invoice, Member, Project, Tag, TimeEntry};
use super::Problem;
use chrono::{DateTime, Utc};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::io::{BufReader, Read};
use std::path::Path;

/// The file without its time entries.
#[derive(Clone, Debug, Default)]
pub struct Head {
    pub exported_at: Option<DateTime<Utc>>,
    pub workspace: Option<format::Workspace>,
    pub counts: Counts,
    pub members: Vec<Member>,
    pub clients: Vec<Client>,
    pub projects: Vec<Project>,
    pub tags: Vec<Tag>,
    pub invoices: Vec<Invoice>,
    /// How many time entries were read.
    pub entries: u64,
}

const FIELDS: &[&str] = &[
    "format",
    "version",
    "exported_at",
    "workspace",
    "counts",
    "members",
    "clients",
    "projects",
    "tags",
    "time_entries",
    "invoices",
];

/// Opens `path` for reading, buffered; the flag says whether it starts
/// with the gzip magic bytes (whatever its name says).
fn open(path: &Path) -> Result<(BufReader<std::fs::File>, bool), Problem> {
    use std::io::Seek;
    let unreadable = |e: std::io::Error| Problem::file(format!("The file could not be read: {e}."));
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let mut magic = [0u8; 2];
    let n = file.read(&mut magic).map_err(unreadable)?;
    file.rewind().map_err(unreadable)?;
    let gzip = n == 2 && magic == [0x1f, 0x8b];
    Ok((BufReader::with_capacity(256 << 10, file), gzip))
}

/// Parses the file at `path`, calling `entry` with each time entry and its
/// index in order. The first error that stops parsing comes back as a
/// problem with its path in the document.
pub fn parse(path: &Path, entry: &mut dyn FnMut(usize, TimeEntry)) -> Result<Head, Problem> {
    let (file, gzip) = open(path)?;
    if gzip {
        let inflated = flate2::read::MultiGzDecoder::new(file);
        parse_from(BufReader::with_capacity(256 << 10, inflated), entry, true)
    } else {
        parse_from(file, entry, false)
    }
}

/// The parser over a concrete buffered reader: serde_json reads a byte at
/// a time, which `BufReader` answers from its buffer inline, while through
/// a `Box<dyn Read>` every byte was a call (a fifth of an import's time).
fn parse_from<R: Read>(
    reader: BufReader<R>,
    entry: &mut dyn FnMut(usize, TimeEntry),
    gzip: bool,
) -> Result<Head, Problem> {
    let mut json = serde_json::Deserializer::from_reader(reader);
    let mut track = serde_path_to_error::Track::new();
    let result = DocSeed { entry }.deserialize(serde_path_to_error::Deserializer::new(
        &mut json, &mut track,
    ));
    let head = result.map_err(|e| explain(&e, &track.path().to_string(), gzip))?;
    json.end().map_err(|e| explain(&e, ".", gzip))?;
    Ok(head)
}

/// A sentence for what stopped the parser. `gzip`: the file is read
/// through the decompressor, so a read error is the compressed data's.
fn explain(e: &serde_json::Error, path: &str, gzip: bool) -> Problem {
    use serde_json::error::Category;
    let at = format!("line {}, column {}", e.line(), e.column());
    match e.classify() {
        Category::Io if gzip => Problem::file(
            "The file could not be decompressed: it is not a valid .json.gz file, or it was cut off. Export the backup again."
                .to_string(),
        ),
        Category::Io => Problem::file(format!("The file could not be read: {e}.")),
        Category::Eof => Problem::file(format!(
            "The file ends too early ({at}): it looks cut off. Export the backup again."
        )),
        Category::Syntax => {
            let msg = e.to_string();
            let msg = msg.split(" at line").next().unwrap_or(&msg);
            if msg.contains("recursion limit") {
                Problem::file(format!("The file nests too deeply to be a backup ({at})."))
            } else {
                Problem::file(format!("The file is not valid JSON ({msg}, {at})."))
            }
        }
        Category::Data => {
            let msg = e.to_string();
            let msg = msg.split(" at line").next().unwrap_or(&msg).to_string();
            if path.is_empty() || path == "." {
                Problem::file(format!("{msg} ({at})."))
            } else {
                Problem::at(path, format!("{msg} ({at})."))
            }
        }
    }
}

struct DocSeed<'a> {
    entry: &'a mut dyn FnMut(usize, TimeEntry),
}

impl<'de> DeserializeSeed<'de> for DocSeed<'_> {
    type Value = Head;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Head, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocSeed<'_> {
    type Value = Head;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Timether backup (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Head, A::Error> {
        let mut head = Head::default();
        let mut seen = [false; FIELDS.len()];
        while let Some(key) = map.next_key::<String>()? {
            let Some(i) = FIELDS.iter().position(|f| *f == key) else {
                return Err(de::Error::unknown_field(&key, FIELDS));
            };
            if std::mem::replace(&mut seen[i], true) {
                return Err(de::Error::custom(format!("`{key}` appears twice")));
            }
            match FIELDS[i] {
                "format" => {
                    let f: String = map.next_value()?;
                    if f != format::FORMAT {
                        return Err(de::Error::custom(
                            "this is not a Timether backup (its `format` is not \"timether-backup\")",
                        ));
                    }
                }
                "version" => {
                    let v: u64 = map.next_value()?;
                    if v != u64::from(format::VERSION) {
                        return Err(de::Error::custom(format!(
                            "this backup is version {v}; this Timether reads version {}. \
                             Update Timether to import it",
                            format::VERSION
                        )));
                    }
                }
                "exported_at" => head.exported_at = Some(map.next_value()?),
                "workspace" => head.workspace = Some(map.next_value()?),
                "counts" => head.counts = map.next_value()?,
                "members" => head.members = map.next_value()?,
                "clients" => head.clients = map.next_value()?,
                "projects" => head.projects = map.next_value()?,
                "tags" => head.tags = map.next_value()?,
                "invoices" => head.invoices = map.next_value()?,
                _ => {
                    head.entries = map.next_value_seed(Entries {
                        entry: &mut *self.entry,
                    })?
                }
            }
        }
        for (i, f) in FIELDS.iter().enumerate() {
            if !seen[i] {
                return Err(de::Error::missing_field(f));
            }
        }
        Ok(head)
    }
}

struct Entries<'a> {
    entry: &'a mut dyn FnMut(usize, TimeEntry),
}

impl<'de> DeserializeSeed<'de> for Entries<'_> {
    type Value = u64;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_> {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of time entries")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<u64, A::Error> {
        let mut n = 0usize;
        while let Some(e) = seq.next_element::<TimeEntry>()? {
            (self.entry)(n, e);
            n += 1;
        }
        Ok(n as u64)
    }
}
