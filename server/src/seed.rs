//! `timether dev seed`: fills a workspace with realistic, deterministic data
//! (clients, projects, tags, people, entries spread over years, a few
//! running timers) for tests, demos and benchmarks. The same seed and end
//! date give the same data. On a SQLite file the entries go in through
//! prepared statements on a connection of their own, which is what makes
//! 100,000+ entries per second possible; elsewhere through multi-row
//! inserts inside one transaction.

use app::db::bulk::BulkLoad;
use app::db::entities::{
    clients, memberships, projects, tags, time_entries, time_entry_tags, users,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryTrait, Set, Statement, TransactionTrait,
};
use std::collections::HashMap;
use uuid::Uuid;

const CLIENTS: &[&str] = &[
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Industries",
    "Wayne Foundation",
];
const PROJECTS: &[(&str, usize, i64, bool)] = &[
    // name, client index, rate (cents, 0 = workspace default), billable
    ("Website relaunch", 0, 12000, true),
    ("Mobile app", 0, 13500, true),
    ("Support retainer", 0, 9000, true),
    ("Data platform", 1, 14000, true),
    ("Quarterly audit", 1, 0, true),
    ("Intranet", 2, 9500, true),
    ("TPS reports", 2, 0, false),
    ("Patient portal", 3, 15000, true),
    ("Compliance review", 3, 11000, true),
    ("Armor telemetry", 4, 16000, true),
    ("Supply chain", 4, 12500, true),
    ("Grant tracking", 5, 8000, true),
    ("Gala website", 5, 8500, true),
    ("Internal tools", usize::MAX, 0, false),
    ("Hiring", usize::MAX, 0, false),
    ("Legacy CRM", 1, 10000, true),
    ("Old brochure site", 2, 7000, true),
    ("Pilot 2023", 3, 9000, true),
];
/// Projects from this index on are archived (history only).
const ARCHIVED_FROM: usize = 15;
const TAGS: &[(&str, &str)] = &[
    ("dev", "#10b981"),
    ("meetings", "#f59e0b"),
    ("design", "#ec4899"),
    ("review", "#6366f1"),
    ("support", "#ef4444"),
    ("planning", "#14b8a6"),
    ("research", "#8b5cf6"),
    ("admin", "#64748b"),
    ("testing", "#22c55e"),
    ("docs", "#0ea5e9"),
];
const COLORS: &[&str] = &[
    "#4f46e5", "#0891b2", "#059669", "#d97706", "#dc2626", "#7c3aed", "#db2777", "#2563eb",
    "#65a30d", "#ea580c",
];
const DESCRIPTIONS: &[&str] = &[
    "Standup",
    "Sprint planning",
    "Code review",
    "Fix login bug",
    "Write documentation",
    "Client call",
    "Design mockups",
    "Refactor billing module",
    "Deploy to staging",
    "Customer support tickets",
    "Research options",
    "Write tests",
    "Update dependencies",
    "Team retro",
    "Prepare invoice",
    "Performance tuning",
    "Onboarding",
    "Email",
    "Workshop",
    "Database migration",
    "Accessibility fixes",
    "Roadmap",
    "",
];
const PEOPLE: &[&str] = &[
    "Ada Byron",
    "Alan Turing",
    "Grace Hopper",
    "Edsger Dijkstra",
];

/// The tables the entry loop fills.
const BULK_TABLES: [&str; 2] = ["time_entries", "time_entry_tags"];
/// Entries per insert statement: 12 values each stays under SQLite's limit
/// of 32,766 bound values (and PostgreSQL's 65,535).
const BATCH: usize = 2000;

/// What was written, for the command's report.
#[derive(Debug, Default)]
pub struct Seeded {
    pub entries: usize,
    pub running: usize,
    pub tag_links: usize,
    pub people: usize,
}

fn id(rng: &mut StdRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.gen()).into_uuid()
}

/// A UUID v7 for `at`, its random part from the seeded stream.
fn time_id(rng: &mut StdRng, at: DateTime<Utc>) -> Uuid {
    let millis = at.timestamp_millis().max(0) as u64;
    uuid::Builder::from_unix_timestamp_millis(millis, &rng.gen()).into_uuid()
}

fn key(name: &str) -> String {
    name.to_lowercase()
}

/// Seeds `workspace` with `count` entries ending on `until` (exclusive).
///
/// `direct` is the database's URL: when it names a SQLite file, the people
/// and the catalogue are committed first and the entries then go in through
/// their own connection ([`SqliteBulk`](app::db::direct::SqliteBulk)),
/// which took a seed from about 89,000 to about 125,000 entries a second
/// on the benchmark machine (BENCHMARKS.md); `None` (or
/// PostgreSQL, or SQLite in memory) writes everything through sea-orm in
/// one transaction.
pub async fn seed(
    db: &DatabaseConnection,
    direct: Option<&str>,
    workspace: Uuid,
    count: usize,
    seed: u64,
    until: NaiveDate,
    now: DateTime<Utc>,
) -> anyhow::Result<Seeded> {
    let mut rng = StdRng::seed_from_u64(seed);
    // Ids come from their own stream, mixed with the workspace, so seeding
    // two workspaces alike gives the same data under different ids.
    let w = workspace.as_u128();
    let mut ids = StdRng::seed_from_u64(seed ^ (w as u64) ^ ((w >> 64) as u64));
    let end = Utc.from_utc_datetime(&until.and_hms_opt(0, 0, 0).expect("midnight"));
    let created = end - Duration::days(3 * 365 + 30);
    let txn = db.begin().await?;
    if app::db::entities::workspaces::Entity::find_by_id(workspace)
        .one(&txn)
        .await?
        .is_none()
    {
        anyhow::bail!("no workspace {workspace}; `timether workspace list` shows them");
    }
    let mut out = Seeded::default();

    // People: the workspace's members plus a few seeded ones who cannot sign in
    // (their password is random and thrown away).
    let mut people: Vec<Uuid> = memberships::Entity::find()
        .filter(memberships::Column::WorkspaceId.eq(workspace))
        .all(&txn)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    people.sort();
    let secret: String = (0..32)
        .map(|_| rng.sample(rand::distributions::Alphanumeric) as char)
        .collect();
    let hash = app::auth::password::hash(&secret)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut seeded_people = Vec::new();
    for (i, name) in PEOPLE.iter().enumerate() {
        let email = format!("seed-{seed}-{i}-{}@example.invalid", workspace.simple());
        let uid = id(&mut ids);
        let existing = users::Entity::find()
            .filter(users::Column::Email.eq(email.clone()))
            .one(&txn)
            .await?;
        let uid = match existing {
            Some(u) => u.id,
            None => {
                users::Entity::insert(users::ActiveModel {
                    id: Set(uid),
                    email: Set(email),
                    name: Set(name.to_string()),
                    password_hash: Set(hash.clone()),
                    timezone: Set(
                        ["Europe/Berlin", "America/New_York", "UTC", "Asia/Tokyo"][i].into(),
                    ),
                    disabled_at: Set(None),
                    created_at: Set(created),
                })
                .exec(&txn)
                .await?;
                out.people += 1;
                uid
            }
        };
        if !people.contains(&uid) {
            memberships::Entity::insert(memberships::ActiveModel {
                workspace_id: Set(workspace),
                user_id: Set(uid),
                role: Set("member".into()),
                created_at: Set(created),
            })
            .exec(&txn)
            .await?;
            people.push(uid);
        }
        seeded_people.push(uid);
    }
    // In id order, so a second seed of the workspace (whose seeded people
    // are members by then) spreads its entries over people the same way.
    people.sort();

    // The catalogue: reuse what exists by name, create the rest.
    let mut client_ids = Vec::new();
    let existing: HashMap<String, Uuid> = clients::Entity::find()
        .filter(clients::Column::WorkspaceId.eq(workspace))
        .all(&txn)
        .await?
        .into_iter()
        .map(|c| (c.name_key, c.id))
        .collect();
    for name in CLIENTS {
        let cid = id(&mut ids);
        match existing.get(&key(name)) {
            Some(c) => client_ids.push(*c),
            None => {
                clients::Entity::insert(clients::ActiveModel {
                    id: Set(cid),
                    workspace_id: Set(workspace),
                    name: Set(name.to_string()),
                    name_key: Set(key(name)),
                    archived_at: Set(None),
                    created_at: Set(created),
                })
                .exec(&txn)
                .await?;
                client_ids.push(cid);
            }
        }
    }
    let existing: HashMap<String, projects::Model> = projects::Entity::find()
        .filter(projects::Column::WorkspaceId.eq(workspace))
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| (p.name_key.clone(), p))
        .collect();
    let mut project_list: Vec<(Uuid, bool)> = Vec::new();
    for (i, (name, client, rate, billable)) in PROJECTS.iter().enumerate() {
        let pid = id(&mut ids);
        match existing.get(&key(name)) {
            Some(p) => project_list.push((p.id, p.billable)),
            None => {
                projects::Entity::insert(projects::ActiveModel {
                    id: Set(pid),
                    workspace_id: Set(workspace),
                    client_id: Set(client_ids.get(*client).copied()),
                    name: Set(name.to_string()),
                    name_key: Set(key(name)),
                    color: Set(COLORS[i % COLORS.len()].into()),
                    billable: Set(*billable),
                    hourly_rate_cents: Set((*rate > 0).then_some(*rate)),
                    archived_at: Set((i >= ARCHIVED_FROM).then_some(end - Duration::days(200))),
                    created_at: Set(created),
                })
                .exec(&txn)
                .await?;
                project_list.push((pid, *billable));
            }
        }
    }
    let existing: HashMap<String, Uuid> = tags::Entity::find()
        .filter(tags::Column::WorkspaceId.eq(workspace))
        .all(&txn)
        .await?
        .into_iter()
        .map(|t| (t.name_key, t.id))
        .collect();
    let mut tag_ids = Vec::new();
    for (name, color) in TAGS {
        let tid = id(&mut ids);
        match existing.get(&key(name)) {
            Some(t) => tag_ids.push(*t),
            None => {
                tags::Entity::insert(tags::ActiveModel {
                    id: Set(tid),
                    workspace_id: Set(workspace),
                    name: Set(name.to_string()),
                    name_key: Set(key(name)),
                    color: Set(color.to_string()),
                    created_at: Set(created),
                })
                .exec(&txn)
                .await?;
                tag_ids.push(tid);
            }
        }
    }

    // Seeded people without a running timer (in any workspace: a person
    // runs one at a time) get one below; asked before the bulk load, while
    // the indexes are there.
    let mut need_timer = Vec::new();
    for uid in seeded_people.iter().take(2) {
        let running = time_entries::Entity::find()
            .filter(time_entries::Column::UserId.eq(*uid))
            .filter(time_entries::Column::EndedAt.is_null())
            .one(&txn)
            .await?;
        if running.is_none() {
            need_timer.push(*uid);
        }
    }

    let plan = Plan {
        workspace,
        count,
        end,
        now,
        people,
        projects: project_list,
        tags: tag_ids,
        need_timer,
    };
    let written = match direct.and_then(app::db::sqlite_file) {
        // A SQLite file: the catalogue is committed, and the entries go in
        // through the bulk load's own connection, on a blocking thread.
        Some(path) => {
            txn.commit().await?;
            tokio::task::spawn_blocking(move || plan.write_direct(&path, &mut rng, &mut ids))
                .await??
        }
        None => {
            let written = plan.write(&txn, &mut rng, &mut ids).await?;
            txn.commit().await?;
            // A bulk load leaves SQLite's write-ahead log holding every new
            // page; fold it into the database so reads afterwards do not
            // search it.
            if db.get_database_backend() == DbBackend::Sqlite {
                db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                    .await?;
            }
            written
        }
    };
    out.entries = written.entries;
    out.tag_links = written.links;
    out.running = written.running;
    Ok(out)
}

/// One generated entry, before it becomes a row.
struct SeedEntry {
    id: Uuid,
    person: Uuid,
    description: &'static str,
    /// The project and whether it is billable.
    project: Option<(Uuid, bool)>,
    start: DateTime<Utc>,
    /// `None` for a running timer.
    end: Option<DateTime<Utc>>,
}

impl SeedEntry {
    fn billable(&self) -> bool {
        self.project.is_some_and(|p| p.1)
    }

    /// When the entry was written: when it ended, or started if running.
    fn written_at(&self) -> DateTime<Utc> {
        self.end.unwrap_or(self.start)
    }

    fn model(&self, workspace: Uuid) -> time_entries::ActiveModel {
        time_entries::ActiveModel {
            id: Set(self.id),
            workspace_id: Set(workspace),
            user_id: Set(self.person),
            description: Set(self.description.into()),
            project_id: Set(self.project.map(|p| p.0)),
            billable: Set(self.billable()),
            started_at: Set(self.start),
            ended_at: Set(self.end),
            invoice_id: Set(None),
            deleted_at: Set(None),
            created_at: Set(self.written_at()),
            updated_at: Set(self.written_at()),
        }
    }
}

/// What a seed wrote in its bulk load.
struct Written {
    entries: usize,
    links: usize,
    running: usize,
}

/// No tag, one or two different tags.
fn pick_tags(rng: &mut StdRng, tags: &[Uuid]) -> Vec<Uuid> {
    let n = match rng.gen_range(0..10) {
        0..=2 => 0,
        3..=7 => 1,
        _ => 2,
    };
    let mut out: Vec<Uuid> = Vec::with_capacity(n);
    while out.len() < n.min(tags.len()) {
        let t = tags[rng.gen_range(0..tags.len())];
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// Entries and their tag links (entry, tag).
type Generated = (Vec<SeedEntry>, Vec<(Uuid, Uuid)>);

/// What the entries of a seed are made from.
struct Plan {
    workspace: Uuid,
    count: usize,
    end: DateTime<Utc>,
    now: DateTime<Utc>,
    people: Vec<Uuid>,
    projects: Vec<(Uuid, bool)>,
    tags: Vec<Uuid>,
    /// Seeded people who get a running timer.
    need_timer: Vec<Uuid>,
}

/// Columns as sea-orm writes them (`SeedEntry::model`); the integration
/// test `seed::the_direct_bulk_load_writes_what_sea_orm_writes` holds the
/// two paths to the same bytes.
const INSERT_ENTRY: &str = "INSERT INTO time_entries (id, workspace_id, user_id, description, \
     project_id, billable, started_at, ended_at, invoice_id, deleted_at, created_at, updated_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, NULL, ?9, ?9)";
const INSERT_LINK: &str =
    "INSERT INTO time_entry_tags (entry_id, tag_id, workspace_id) VALUES (?1, ?2, ?3)";

impl Plan {
    /// Batches of entry numbers.
    fn ranges(&self) -> Vec<(usize, usize)> {
        (0..self.count)
            .step_by(BATCH)
            .map(|from| (from, (from + BATCH).min(self.count)))
            .collect()
    }

    /// A few running timers, started a little before now.
    fn timers(&self, rng: &mut StdRng, ids: &mut StdRng) -> Vec<SeedEntry> {
        self.need_timer
            .iter()
            .map(|uid| {
                let start = self.now - Duration::minutes(rng.gen_range(10..240));
                let id = id(ids);
                SeedEntry {
                    id,
                    person: *uid,
                    description: DESCRIPTIONS[rng.gen_range(0..DESCRIPTIONS.len())],
                    project: self.projects.first().copied(),
                    start,
                    end: None,
                }
            })
            .collect()
    }

    /// Writes the entries through sea-orm inside `txn` (PostgreSQL, and
    /// SQLite in memory). While the database writes a batch's entries, this
    /// task makes the next batch and builds its statements.
    async fn write(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        rng: &mut StdRng,
        ids: &mut StdRng,
    ) -> Result<Written, sea_orm::DbErr> {
        // No version bump per row, and on SQLite the indexes are built once
        // at the end (see `BulkLoad`).
        let load = BulkLoad::begin(txn, &BULK_TABLES).await?;
        let backend = txn.get_database_backend();
        let ranges = self.ranges();
        let mut written = Written {
            entries: 0,
            links: 0,
            running: 0,
        };
        let mut next = ranges.first().map(|&(from, to)| {
            Batch::build(backend, self.workspace, self.entries(rng, ids, from, to))
        });
        for k in 0..ranges.len() {
            let current = next
                .take()
                .expect("each batch is built before it is written");
            written.entries += current.entries;
            written.links += current.links;
            let following = ranges.get(k + 1).copied();
            let (done, built) = tokio::join!(current.write(txn), async {
                following.map(|(from, to)| {
                    Batch::build(backend, self.workspace, self.entries(rng, ids, from, to))
                })
            });
            done?;
            next = built;
        }
        let timers = self.timers(rng, ids);
        written.running = timers.len();
        Batch::build(backend, self.workspace, (timers, Vec::new()))
            .write(txn)
            .await?;
        load.end(txn, self.workspace).await?;
        Ok(written)
    }

    /// Writes the entries into the SQLite file at `path` through
    /// [`SqliteBulk`](app::db::direct::SqliteBulk), in one transaction of
    /// its own.
    fn write_direct(
        &self,
        path: &str,
        rng: &mut StdRng,
        ids: &mut StdRng,
    ) -> Result<Written, sea_orm::DbErr> {
        let projects: Vec<Uuid> = self.projects.iter().map(|p| p.0).collect();
        let bulk = app::db::direct::SqliteBulk::begin(
            path,
            &BULK_TABLES,
            &[
                ("workspaces", &[self.workspace]),
                ("users", &self.people),
                ("projects", &projects),
                ("tags", &self.tags),
            ],
        )?;
        let conn = bulk.connection();
        let fail = |e: rusqlite::Error| sea_orm::DbErr::Custom(format!("seeding: {e}"));
        let mut insert_entry = conn.prepare(INSERT_ENTRY).map_err(fail)?;
        let mut insert_link = conn.prepare(INSERT_LINK).map_err(fail)?;
        let workspace = self.workspace.as_bytes();
        let mut put = |(entries, links): Generated| -> Result<(usize, usize), sea_orm::DbErr> {
            for e in &entries {
                let start = app::db::direct::time_text(e.start);
                let end = e.end.map(app::db::direct::time_text);
                let written = end.clone().unwrap_or_else(|| start.clone());
                insert_entry
                    .execute(rusqlite::params![
                        e.id.as_bytes(),
                        workspace,
                        e.person.as_bytes(),
                        e.description,
                        e.project.map(|p| *p.0.as_bytes()),
                        e.billable(),
                        start,
                        end,
                        written,
                    ])
                    .map_err(fail)?;
            }
            for (entry, tag) in &links {
                insert_link
                    .execute(rusqlite::params![
                        entry.as_bytes(),
                        tag.as_bytes(),
                        workspace
                    ])
                    .map_err(fail)?;
            }
            Ok((entries.len(), links.len()))
        };
        let mut written = Written {
            entries: 0,
            links: 0,
            running: 0,
        };
        for (from, to) in self.ranges() {
            let (n, l) = put(self.entries(rng, ids, from, to))?;
            written.entries += n;
            written.links += l;
        }
        let timers = self.timers(rng, ids);
        written.running = timers.len();
        put((timers, Vec::new()))?;
        drop((insert_entry, insert_link));
        bulk.finish(self.workspace)?;
        Ok(written)
    }

    /// Entries `from..to` of the seed with their tag links: weekdays mostly,
    /// office hours, 10 minutes to 3 hours, over the three years before the
    /// end. Archived projects only in the past. Oldest first, with
    /// time-ordered ids, so rows append at the end of their B-trees.
    fn entries(&self, rng: &mut StdRng, ids: &mut StdRng, from: usize, to: usize) -> Generated {
        let span_days = 3 * 365;
        let mut entries = Vec::with_capacity(to - from);
        let mut links = Vec::with_capacity(2 * (to - from));
        for i in from..to {
            let back = span_days - (i as i64 * span_days / self.count.max(1) as i64);
            let mut day = self.end - Duration::days(back.max(1));
            if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && rng.gen_bool(0.85) {
                day -= Duration::days(2);
            }
            let start = day + Duration::minutes(rng.gen_range(7 * 60..18 * 60));
            let secs = rng.gen_range(10..=180) * 60 + rng.gen_range(0..60);
            let person = self.people[rng.gen_range(0..self.people.len())];
            let recent = start > self.end - Duration::days(200);
            let project = if rng.gen_bool(0.9) {
                let n = if recent {
                    ARCHIVED_FROM.min(self.projects.len())
                } else {
                    self.projects.len()
                };
                Some(self.projects[rng.gen_range(0..n.max(1))])
            } else {
                None
            };
            let id = time_id(ids, start);
            entries.push(SeedEntry {
                id,
                person,
                description: DESCRIPTIONS[rng.gen_range(0..DESCRIPTIONS.len())],
                project,
                start,
                end: Some(start + Duration::seconds(secs)),
            });
            for t in pick_tags(rng, &self.tags) {
                links.push((id, t));
            }
        }
        (entries, links)
    }
}

/// One batch of entries and their tag links as built statements.
struct Batch {
    statements: Vec<Statement>,
    entries: usize,
    links: usize,
}

impl Batch {
    fn build(backend: DbBackend, workspace: Uuid, (entries, links): Generated) -> Batch {
        let mut statements = Vec::with_capacity(2);
        let (n, l) = (entries.len(), links.len());
        if n > 0 {
            let models = entries.iter().map(|e| e.model(workspace));
            statements.push(time_entries::Entity::insert_many(models).build(backend));
        }
        if l > 0 {
            let models = links
                .iter()
                .map(|&(entry, tag)| time_entry_tags::ActiveModel {
                    entry_id: Set(entry),
                    tag_id: Set(tag),
                    workspace_id: Set(workspace),
                });
            statements.push(time_entry_tags::Entity::insert_many(models).build(backend));
        }
        Batch {
            statements,
            entries: n,
            links: l,
        }
    }

    /// Entries first: their links refer to them.
    async fn write(self, db: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
        for st in self.statements {
            db.execute_raw(st).await?;
        }
        Ok(())
    }
}
