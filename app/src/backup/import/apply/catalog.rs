//! Clients, projects, tags and invoices: matched with the rows here (by
//! id, and the named kinds also by name), tallied and written.

use super::*;

/// A catalogue row here, as name matching sees it.
trait Named: Clone {
    fn id(&self) -> Uuid;
    fn key(&self) -> &str;
}

macro_rules! named {
    ($($m:ident),*) => {$(
        impl Named for $m::Model {
            fn id(&self) -> Uuid {
                self.id
            }
            fn key(&self) -> &str {
                &self.name_key
            }
        }
    )*};
}

named!(clients, projects, tags);

/// What one file row of a named kind matched here, and its name.
struct Matched<M> {
    i: usize,
    found: Option<M>,
    id: Uuid,
    name: String,
    key: String,
}

impl Run<'_> {
    /// Tallies `rows`, reports ids used elsewhere, and works out which rows
    /// here the file does not hold.
    async fn resolve<E: TenantEntity, M: PartialEq + Normal>(
        &mut self,
        kind: &str,
        id_col: E::Column,
        here: &[Uuid],
        rows: Vec<(usize, Option<M>, M)>,
        id_of: impl Fn(&M) -> Uuid,
    ) -> Result<Resolved<M>, Error> {
        let mut plan = KindPlan {
            kind: kind.into(),
            ..Default::default()
        };
        let new_ids: Vec<Uuid> = rows
            .iter()
            .filter(|(_, f, _)| f.is_none())
            .map(|(_, _, m)| id_of(m))
            .collect();
        let taken = self.elsewhere::<E>(id_col, new_ids).await?;
        let mut touched = HashSet::new();
        let mut out = Vec::with_capacity(rows.len());
        for (i, found, row) in rows {
            let c = change(found.as_ref(), &row);
            if c == Change::New && taken.contains(&id_of(&row)) {
                self.problems.push(Problem::at(
                    format!("{kind}[{i}].id"),
                    "this id belongs to a row of another workspace",
                ));
            }
            tally(&mut plan, c);
            touched.insert(id_of(&row));
            out.push((c, row));
        }
        let gone: Vec<Uuid> = here
            .iter()
            .filter(|id| !touched.contains(*id))
            .copied()
            .collect();
        match self.mode {
            Mode::Merge => plan.left_alone = gone.len() as u64,
            Mode::Replace => plan.removed = gone.len() as u64,
        }
        self.plans.push(plan);
        Ok(Resolved { rows: out, gone })
    }

    /// A name the file gives a row that a row here, which stays, already
    /// has.
    fn name_clash(&mut self, kind: &str, what: &str, i: usize, name: &str) {
        self.problems.push(Problem::at(
            format!("{kind}[{i}].name"),
            format!(
                "another {what} here is already named “{name}”; rename one of them, or import in replace mode"
            ),
        ));
    }

    /// Matches the file's rows of a named kind (clients, projects, tags)
    /// with the rows here: by the id the file's row gets here, else by
    /// name, so a foreign file does not add a second “Acme”. A name that a
    /// different row here keeps is a problem in merge mode.
    fn match_named<M: Named>(
        &mut self,
        kind: &str,
        what: &str,
        max: usize,
        here: &[M],
        file: impl Iterator<Item = (Uuid, String)>,
    ) -> Vec<Matched<M>> {
        let by_id: HashMap<Uuid, &M> = here.iter().map(|m| (m.id(), m)).collect();
        let by_key: HashMap<&str, &M> = here.iter().map(|m| (m.key(), m)).collect();
        let mut out = Vec::new();
        for (i, (file_id, raw)) in file.enumerate() {
            let (name, key) = crate::validate::name(&raw, max, what)
                .unwrap_or_else(|_| (raw.clone(), raw.to_lowercase()));
            let derived = self.id(what, file_id);
            let found = by_id
                .get(&derived)
                .or_else(|| by_key.get(key.as_str()))
                .copied();
            let id = found.map_or(derived, |m| m.id());
            let clash = by_key
                .get(key.as_str())
                .is_some_and(|other| other.id() != id);
            if clash && self.mode == Mode::Merge {
                self.name_clash(kind, what, i, &name);
            }
            out.push(Matched {
                i,
                found: found.cloned(),
                id,
                name,
                key,
            });
        }
        out
    }

    pub(super) async fn clients(
        &mut self,
        file: &[format::Client],
    ) -> Result<Resolved<clients::Model>, Error> {
        let here = self.scope.find::<clients::Entity>().all(self.txn).await?;
        let named = file.iter().map(|c| (c.id, c.name.clone()));
        let matched = self.match_named("clients", "client", 200, &here, named);
        let mut rows = Vec::with_capacity(file.len());
        for (m, c) in matched.into_iter().zip(file) {
            self.clients.insert(c.id, m.id);
            let row = clients::Model {
                id: m.id,
                workspace_id: self.target,
                name: m.name,
                name_key: m.key,
                archived_at: c.archived_at,
                created_at: c.created_at,
            };
            rows.push((m.i, m.found, row));
        }
        let ids: Vec<Uuid> = here.iter().map(|m| m.id).collect();
        self.resolve::<clients::Entity, _>("clients", clients::Column::Id, &ids, rows, |m| m.id)
            .await
    }

    pub(super) async fn projects(
        &mut self,
        file: &[format::Project],
    ) -> Result<Resolved<projects::Model>, Error> {
        let here = self.scope.find::<projects::Entity>().all(self.txn).await?;
        let named = file.iter().map(|p| (p.id, p.name.clone()));
        let matched = self.match_named("projects", "project", 200, &here, named);
        let mut rows = Vec::with_capacity(file.len());
        for (m, p) in matched.into_iter().zip(file) {
            self.projects.insert(p.id, m.id);
            let row = projects::Model {
                id: m.id,
                workspace_id: self.target,
                client_id: p.client_id.and_then(|c| self.clients.get(&c).copied()),
                name: m.name,
                name_key: m.key,
                color: p.color.to_ascii_lowercase(),
                billable: p.billable,
                hourly_rate_cents: p.hourly_rate_cents,
                archived_at: p.archived_at,
                created_at: p.created_at,
            };
            rows.push((m.i, m.found, row));
        }
        let ids: Vec<Uuid> = here.iter().map(|m| m.id).collect();
        self.resolve::<projects::Entity, _>("projects", projects::Column::Id, &ids, rows, |m| m.id)
            .await
    }

    pub(super) async fn tags(
        &mut self,
        file: &[format::Tag],
    ) -> Result<Resolved<tags::Model>, Error> {
        let here = self.scope.find::<tags::Entity>().all(self.txn).await?;
        let named = file
            .iter()
            .map(|t| (t.id, crate::tags::clean_name(&t.name).to_string()));
        let matched = self.match_named("tags", "tag", 100, &here, named);
        let mut rows = Vec::with_capacity(file.len());
        for (m, t) in matched.into_iter().zip(file) {
            self.tags.insert(t.id, m.id);
            let row = tags::Model {
                id: m.id,
                workspace_id: self.target,
                name: m.name,
                name_key: m.key,
                color: t.color.to_ascii_lowercase(),
                created_at: t.created_at,
            };
            rows.push((m.i, m.found, row));
        }
        let ids: Vec<Uuid> = here.iter().map(|m| m.id).collect();
        self.resolve::<tags::Entity, _>("tags", tags::Column::Id, &ids, rows, |m| m.id)
            .await
    }

    pub(super) async fn invoices(
        &mut self,
        file: &[format::Invoice],
        importer_email: &str,
    ) -> Result<Resolved<InvoiceRow>, Error> {
        let here = self.scope.find::<invoices::Entity>().all(self.txn).await?;
        let mut lines_here: HashMap<Uuid, Vec<invoice_lines::Model>> = HashMap::new();
        for l in self
            .scope
            .find::<invoice_lines::Entity>()
            .all(self.txn)
            .await?
        {
            lines_here.entry(l.invoice_id).or_default().push(l);
        }
        let by_id: HashMap<Uuid, &invoices::Model> = here.iter().map(|m| (m.id, m)).collect();
        let by_number: HashMap<i64, Uuid> = here.iter().map(|m| (m.number, m.id)).collect();
        let file_ids: HashSet<Uuid> = file.iter().map(|x| self.id("invoice", x.id)).collect();
        let mut rows = Vec::new();
        for (i, x) in file.iter().enumerate() {
            let id = self.id("invoice", x.id);
            self.invoices.insert(x.id, id);
            if let Some(other) = by_number.get(&x.number) {
                let stays = !file_ids.contains(other) && self.mode == Mode::Merge;
                if *other != id && stays {
                    self.problems.push(Problem::at(
                        format!("invoices[{i}].number"),
                        format!(
                            "invoice number {} is already used here by another invoice",
                            x.number
                        ),
                    ));
                }
            }
            let created_by = if x.created_by.trim().is_empty() {
                self.person(importer_email)
            } else {
                self.person(&x.created_by)
            };
            let row = invoices::Model {
                id,
                workspace_id: self.target,
                number: x.number,
                client_id: x.client_id.and_then(|c| self.clients.get(&c).copied()),
                client_name: x.client_name.clone(),
                period_from: x.period_from,
                period_to: x.period_to,
                currency: x.currency.clone(),
                tax_rate_bp: x.tax_rate_bp,
                notes: x.notes.clone(),
                status: x.status.clone(),
                subtotal_cents: x.subtotal_cents,
                tax_cents: x.tax_cents,
                total_cents: x.total_cents,
                entry_count: x.entry_count,
                created_by,
                created_at: x.created_at,
                sent_at: x.sent_at,
                paid_at: x.paid_at,
            };
            let mut lines: Vec<invoice_lines::Model> = x
                .lines
                .iter()
                .map(|l| invoice_lines::Model {
                    id: Uuid::new_v5(&id, format!("line:{}", l.position).as_bytes()),
                    invoice_id: id,
                    workspace_id: self.target,
                    position: l.position,
                    project_name: l.project_name.clone(),
                    secs: l.secs,
                    rate_cents: l.rate_cents,
                    amount_cents: l.amount_cents,
                })
                .collect();
            lines.sort_by_key(|l| l.position);
            let found = by_id.get(&id).map(|m| {
                let mut ls = lines_here.get(&m.id).cloned().unwrap_or_default();
                ls.sort_by_key(|l| l.position);
                // Line ids are not in the file: compare the lines by content.
                for (a, b) in ls.iter_mut().zip(lines.iter()) {
                    a.id = b.id;
                }
                ((*m).clone(), ls)
            });
            rows.push((i, found, (row, lines)));
        }
        let ids: Vec<Uuid> = here.iter().map(|m| m.id).collect();
        self.resolve::<invoices::Entity, _>("invoices", invoices::Column::Id, &ids, rows, |m| {
            m.0.id
        })
        .await
    }

    pub(super) async fn write_invoices(
        &self,
        rows: Vec<(Change, InvoiceRow)>,
    ) -> Result<(), Error> {
        let mut heads = Vec::new();
        let mut lines = Vec::new();
        for (c, (inv, ls)) in rows {
            if c == Change::Unchanged {
                continue;
            }
            if c == Change::Updated {
                self.scope
                    .delete_many::<invoice_lines::Entity>()
                    .filter(invoice_lines::Column::InvoiceId.eq(inv.id))
                    .exec(self.txn)
                    .await?;
            }
            heads.push((c, inv));
            lines.extend(ls);
        }
        self.write_rows::<invoices::ActiveModel>(heads).await?;
        self.write_rows::<invoice_lines::ActiveModel>(
            lines.into_iter().map(|l| (Change::New, l)).collect(),
        )
        .await
    }
}
