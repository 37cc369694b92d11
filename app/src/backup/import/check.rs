//! The file on its own, before the database is asked anything: every row's
//! values, ids unique per kind, references inside the file, at most one
//! running timer per person. Every problem is collected, not just the first.

use super::super::format::TimeEntry;
use super::read::{self, Head};
use super::{Problem, Problems};
use chrono::{DateTime, Datelike, Utc};
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use uuid::Uuid;

/// A file that parsed, with what the second pass needs.
pub struct Checked {
    pub head: Head,
    /// The ids of the file's time entries.
    pub entry_ids: HashSet<Uuid>,
    /// Everyone the file names: members, entry owners, invoice makers
    /// (lower-cased emails).
    pub people: BTreeSet<String>,
}

/// Reads and checks the whole file. `Err` holds the problems when there is
/// at least one.
pub fn check(path: &Path) -> Result<Checked, Problems> {
    let mut problems = Problems::default();
    let mut entries = EntryCheck::default();
    let head = match read::parse(path, &mut |i, e| entries.check(i, &e, &mut problems)) {
        Ok(h) => h,
        Err(p) => {
            // Parsing stopped: row problems found before the stop are kept,
            // the reason it stopped comes first.
            let mut all = Problems::default();
            all.push(p);
            all.extend(problems);
            return Err(all);
        }
    };
    check_head(&head, &entries, &mut problems);
    if problems.is_empty() {
        let mut people = entries.people;
        people.extend(head.members.iter().map(|m| m.email.to_lowercase()));
        people.extend(head.invoices.iter().map(|i| i.created_by.to_lowercase()));
        Ok(Checked {
            head,
            entry_ids: entries.ids,
            people,
        })
    } else {
        Err(problems)
    }
}

/// The earliest and latest instants a backup may hold.
fn in_range(t: &DateTime<Utc>) -> bool {
    (1970..=2200).contains(&t.year())
}

/// `path` is only spelled out for a time out of range (four times an entry).
fn time(p: &mut Problems, path: impl FnOnce() -> String, t: &DateTime<Utc>) {
    if !in_range(t) {
        p.push(Problem::at(
            path(),
            "must be between the years 1970 and 2200",
        ));
    }
}

/// Per-entry state kept across the stream: ids seen, who is running a
/// timer, which invoices are referred to (invoices come after entries).
#[derive(Default)]
struct EntryCheck {
    ids: HashSet<Uuid>,
    running: HashMap<String, usize>,
    invoice_refs: HashMap<Uuid, usize>,
    project_refs: HashMap<Uuid, usize>,
    tag_refs: HashMap<Uuid, usize>,
    people: BTreeSet<String>,
}

impl EntryCheck {
    fn check(&mut self, i: usize, e: &TimeEntry, p: &mut Problems) {
        let at = |field: &str| format!("time_entries[{i}].{field}");
        if !self.ids.insert(e.id) {
            p.push(Problem::at(at("id"), "another time entry has the same id"));
        }
        if let Err(err) = crate::entries::service::checked_description(&e.description) {
            p.push(Problem::at(at("description"), err_text(err)));
        }
        // Most emails are already lower case: no copy for them.
        let person = e.person.trim();
        let person = if person
            .bytes()
            .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
        {
            Cow::Owned(person.to_lowercase())
        } else {
            Cow::Borrowed(person)
        };
        if person.is_empty() || !person.contains('@') || person.len() > 320 {
            p.push(Problem::at(at("person"), "must be an email address"));
        } else if !self.people.contains(person.as_ref()) {
            self.people.insert(person.to_string());
        }
        time(p, || at("started_at"), &e.started_at);
        match e.ended_at {
            Some(end) => {
                time(p, || at("ended_at"), &end);
                if end < e.started_at {
                    p.push(Problem::at(at("ended_at"), "before started_at"));
                }
            }
            None => {
                if let Some(other) = self.running.insert(person.into_owned(), i) {
                    p.push(Problem::at(
                        at("ended_at"),
                        format!(
                            "a second running timer for {} (time_entries[{other}] is the first); \
                             a person has at most one",
                            e.person
                        ),
                    ));
                }
            }
        }
        if e.tag_ids.len() > 50 {
            p.push(Problem::at(at("tag_ids"), "at most 50 tags on one entry"));
        }
        // At most 50 (else refused above): pairs compared, nothing allocated.
        let twice = |tags: &[Uuid]| tags.iter().enumerate().any(|(k, t)| tags[..k].contains(t));
        if e.tag_ids.len() <= 50 && twice(&e.tag_ids) {
            p.push(Problem::at(at("tag_ids"), "a tag appears twice"));
        }
        if let Some(project) = e.project_id {
            self.project_refs.entry(project).or_insert(i);
        }
        for t in &e.tag_ids {
            self.tag_refs.entry(*t).or_insert(i);
        }
        if let Some(inv) = e.invoice_id {
            self.invoice_refs.entry(inv).or_insert(i);
        }
    }
}

fn err_text(e: crate::error::Error) -> String {
    match e {
        crate::error::Error::Invalid { message, .. } => message,
        other => other.to_string(),
    }
}

/// Ids unique within one kind; the first duplicate of each is reported.
fn unique_ids<'a>(
    kind: &str,
    ids: impl Iterator<Item = &'a Uuid>,
    p: &mut Problems,
) -> HashSet<Uuid> {
    let mut seen = HashSet::new();
    for (i, id) in ids.enumerate() {
        if !seen.insert(*id) {
            p.push(Problem::at(
                format!("{kind}[{i}].id"),
                format!("another row of {kind} has the same id"),
            ));
        }
    }
    seen
}

/// Names unique within one kind, as the workspace requires
/// (case-insensitively).
fn name_ok(
    kind: &str,
    what: &str,
    i: usize,
    name: &str,
    max: usize,
    keys: &mut HashSet<String>,
    p: &mut Problems,
) {
    match crate::validate::name(name, max, what) {
        Ok((_, key)) => {
            if !keys.insert(key) {
                p.push(Problem::at(
                    format!("{kind}[{i}].name"),
                    format!("another {what} is named “{}”", name.trim()),
                ));
            }
        }
        Err(e) => p.push(Problem::at(format!("{kind}[{i}].name"), err_text(e))),
    }
}

fn color_ok(kind: &str, i: usize, color: &str, p: &mut Problems) {
    if crate::validate::color(color).is_err() {
        p.push(Problem::at(
            format!("{kind}[{i}].color"),
            "must be a colour like #4f46e5",
        ));
    }
}

fn cents_ok(path: String, v: Option<i64>, p: &mut Problems) {
    if let Some(c) = v {
        if !(0..=100_000_000).contains(&c) {
            p.push(Problem::at(path, "must be between 0 and 100,000,000 cents"));
        }
    }
}

fn currency_ok(path: String, c: &str, p: &mut Problems) {
    if !(c.len() == 3 && c.chars().all(|ch| ch.is_ascii_uppercase())) {
        p.push(Problem::at(
            path,
            "must be a three-letter currency code like EUR",
        ));
    }
}

fn check_head(h: &Head, entries: &EntryCheck, p: &mut Problems) {
    if let Some(ws) = &h.workspace {
        currency_ok("workspace.currency".into(), &ws.currency, p);
        cents_ok(
            "workspace.default_rate_cents".into(),
            ws.default_rate_cents,
            p,
        );
    }
    let mut emails = HashSet::new();
    for (i, m) in h.members.iter().enumerate() {
        if !emails.insert(m.email.trim().to_lowercase()) {
            p.push(Problem::at(format!("members[{i}].email"), "listed twice"));
        }
        if !matches!(m.role.as_str(), "owner" | "admin" | "member") {
            p.push(Problem::at(
                format!("members[{i}].role"),
                "must be owner, admin or member",
            ));
        }
    }

    let clients = unique_ids("clients", h.clients.iter().map(|c| &c.id), p);
    let mut keys = HashSet::new();
    for (i, c) in h.clients.iter().enumerate() {
        name_ok("clients", "client", i, &c.name, 200, &mut keys, p);
        time(p, || format!("clients[{i}].created_at"), &c.created_at);
    }

    let projects = unique_ids("projects", h.projects.iter().map(|x| &x.id), p);
    let mut keys = HashSet::new();
    for (i, x) in h.projects.iter().enumerate() {
        name_ok("projects", "project", i, &x.name, 200, &mut keys, p);
        color_ok("projects", i, &x.color, p);
        cents_ok(
            format!("projects[{i}].hourly_rate_cents"),
            x.hourly_rate_cents,
            p,
        );
        if let Some(c) = x.client_id {
            if !clients.contains(&c) {
                p.push(Problem::at(
                    format!("projects[{i}].client_id"),
                    "no client with this id in the file",
                ));
            }
        }
    }

    let tags = unique_ids("tags", h.tags.iter().map(|t| &t.id), p);
    let mut keys = HashSet::new();
    for (i, t) in h.tags.iter().enumerate() {
        name_ok(
            "tags",
            "tag",
            i,
            crate::tags::clean_name(&t.name),
            100,
            &mut keys,
            p,
        );
        color_ok("tags", i, &t.color, p);
    }

    let invoices = unique_ids("invoices", h.invoices.iter().map(|x| &x.id), p);
    let mut numbers = HashSet::new();
    for (i, x) in h.invoices.iter().enumerate() {
        let at = |f: &str| format!("invoices[{i}].{f}");
        if x.number < 1 {
            p.push(Problem::at(at("number"), "must be 1 or more"));
        } else if !numbers.insert(x.number) {
            p.push(Problem::at(at("number"), "another invoice has this number"));
        }
        if let Some(c) = x.client_id {
            if !clients.contains(&c) {
                p.push(Problem::at(
                    at("client_id"),
                    "no client with this id in the file",
                ));
            }
        }
        if x.period_to < x.period_from {
            p.push(Problem::at(at("period_to"), "before period_from"));
        }
        if !matches!(x.status.as_str(), "draft" | "sent" | "paid") {
            p.push(Problem::at(at("status"), "must be draft, sent or paid"));
        }
        currency_ok(at("currency"), &x.currency, p);
        if !(0..=10_000).contains(&x.tax_rate_bp) {
            p.push(Problem::at(
                at("tax_rate_bp"),
                "must be between 0 and 10000",
            ));
        }
        if x.notes.chars().count() > 2000 {
            p.push(Problem::at(at("notes"), "use at most 2,000 characters"));
        }
        if x.client_name.chars().count() > 200 {
            p.push(Problem::at(at("client_name"), "use at most 200 characters"));
        }
        if x.lines.len() > 10_000 {
            p.push(Problem::at(at("lines"), "at most 10,000 lines"));
        }
        let mut positions = HashSet::new();
        for (j, l) in x.lines.iter().enumerate() {
            if !positions.insert(l.position) {
                p.push(Problem::at(
                    format!("invoices[{i}].lines[{j}].position"),
                    "another line has this position",
                ));
            }
            if l.project_name.chars().count() > 200 {
                p.push(Problem::at(
                    format!("invoices[{i}].lines[{j}].project_name"),
                    "use at most 200 characters",
                ));
            }
        }
        time(p, || at("created_at"), &x.created_at);
    }

    let mut missing =
        |kind: &str, field: &str, refs: &HashMap<Uuid, usize>, have: &HashSet<Uuid>| {
            let mut bad: Vec<usize> = refs
                .iter()
                .filter(|(id, _)| !have.contains(id))
                .map(|(_, i)| *i)
                .collect();
            bad.sort_unstable();
            for i in bad {
                p.push(Problem::at(
                    format!("time_entries[{i}].{field}"),
                    format!("no {kind} with this id in the file"),
                ));
            }
        };
    missing("project", "project_id", &entries.project_refs, &projects);
    missing("tag", "tag_ids", &entries.tag_refs, &tags);
    missing("invoice", "invoice_id", &entries.invoice_refs, &invoices);

    let c = &h.counts;
    let real = [
        ("members", c.members, h.members.len() as u64),
        ("clients", c.clients, h.clients.len() as u64),
        ("projects", c.projects, h.projects.len() as u64),
        ("tags", c.tags, h.tags.len() as u64),
        ("time_entries", c.time_entries, h.entries),
        ("invoices", c.invoices, h.invoices.len() as u64),
    ];
    for (kind, said, found) in real {
        if said != found {
            p.push(Problem::at(
                format!("counts.{kind}"),
                format!("says {said} but the file holds {found}; the file may be incomplete"),
            ));
        }
    }
}
