//! Import JSON on the Data tab: the upload to `POST /imports` with its
//! progress, the preview, and the confirmed import, which runs as a job
//! (`backup::jobs`) whose progress and outcome this tab shows, after a
//! reload too.

use super::{plural, when, Jobs};
use crate::backup::jobs::{dismiss_import_job, latest_import_job, ImportJob, JobState};
use crate::backup::{ImportReport, KindPlan, Mode};
use crate::components::layout::WriteArea;
use crate::components::loaded::load;
use crate::error::AppError;
use crate::time_export::group;
use leptos::prelude::*;
use std::time::Duration;

/// How often the page asks how a running import is going.
const POLL: Duration = Duration::from_millis(1000);

/// Where an import stands on the page.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    Idle,
    /// The file is on its way (percent sent, when the browser knows it);
    /// `confirm` for the real import, otherwise the preview.
    Sending {
        confirm: bool,
        percent: Option<u32>,
    },
    Preview(ImportReport),
    /// The import was accepted and runs as a job (shown from the job).
    Started,
    Failed(String),
}

#[component]
pub(super) fn ImportSection(workspace: String, jobs: Jobs) -> impl IntoView {
    let stage = RwSignal::new(Stage::Idle);
    let mode = RwSignal::new(Mode::Merge);
    let job_version = jobs.version;
    let dismiss = Action::new(|id: &uuid::Uuid| dismiss_import_job(*id));
    let job = load(
        move || (job_version.get(), dismiss.version().get()),
        |_| latest_import_job(),
    );
    // While a job runs, ask again every second (the import goes on without
    // this page; a reload finds it here again), and take no other file.
    // (Read straight from the resource, a button hydrated after a reload
    // never saw the job's value; this effect does.)
    let job_running = jobs.running;
    let job_ended = jobs.ended;
    Effect::new(move |_| {
        let latest = job.get();
        let running = matches!(&latest, Some(Ok(Some(j))) if j.running());
        job_running.set(running);
        let ended = match &latest {
            Some(Ok(Some(j))) if !j.running() => Some(j.id),
            _ => None,
        };
        if job_ended.get_untracked() != ended {
            job_ended.set(ended);
        }
        if running {
            set_timeout(move || job_version.update(|v| *v += 1), POLL);
        }
    });
    let file_name = RwSignal::new(String::new());
    // The chosen file stays in the (hidden) file input: nothing that only
    // exists in the browser is kept in a signal the server also creates.
    let input = NodeRef::<leptos::html::Input>::new();
    let chosen_file = move || {
        input
            .get_untracked()
            .and_then(|i| i.files())
            .and_then(|list| list.get(0))
    };

    let run = move |confirm: bool| {
        if let Some(f) = chosen_file() {
            send(&f, mode.get_untracked(), confirm, stage, job_version);
        }
    };
    let choose = move |_| {
        if let Some(i) = input.get() {
            // Choosing the same file again still previews it afresh.
            i.set_value("");
            i.click();
        }
    };
    let chosen = move |_| {
        if let Some(f) = chosen_file() {
            file_name.set(f.name());
            run(false);
        }
    };
    let set_mode = move |m: Mode| {
        mode.set(m);
        // The preview depends on the mode: show it again for the new one.
        if matches!(stage.get_untracked(), Stage::Preview(_)) {
            run(false);
        }
    };
    let busy = move || matches!(stage.get(), Stage::Sending { .. }) || job_running.get();
    // A started import clears the chosen file: the job shows the rest.
    Effect::new(move |_| {
        if stage.get() == Stage::Started {
            file_name.set(String::new());
            if let Some(i) = input.get_untracked() {
                i.set_value("");
            }
        }
    });
    let ws_name = workspace.clone();

    view! {
        <section class="card" aria-labelledby="import-heading">
            <h2 id="import-heading">"Restore from a backup"</h2>
            <p>"Import JSON reads a Timether backup file (.json or .json.gz) into the workspace you are in now: "<strong>{workspace.clone()}</strong>". Check that this is the workspace you mean. You see what the import will change before anything changes."</p>
            <fieldset class="choice-group">
                <legend>"How to import"</legend>
                <label class="check" for="import-merge">
                    <input id="import-merge" type="radio" name="import-mode" value="merge"
                        prop:checked=move || mode.get() == Mode::Merge
                        on:change=move |_| set_mode(Mode::Merge)/>
                    <span><strong>"Merge"</strong>" (recommended): add what is new, update what changed, delete nothing. Importing the same file twice changes nothing."</span>
                </label>
                <label class="check" for="import-replace">
                    <input id="import-replace" type="radio" name="import-mode" value="replace"
                        prop:checked=move || mode.get() == Mode::Replace
                        on:change=move |_| set_mode(Mode::Replace)/>
                    <span><strong>"Replace"</strong>": make this workspace's clients, projects, tags, invoices and time entries exactly the file's. Anything not in the file is deleted; members stay."</span>
                </label>
            </fieldset>
            <input node_ref=input id="import-file" class="sr-only" type="file" tabindex="-1" aria-hidden="true"
                accept=".json,.gz,application/json,application/gzip" on:change=chosen/>
            <div class="import-choose">
                <WriteArea compact=true>
                <button type="button" class="btn btn-primary" on:click=choose disabled=busy>"Import JSON"</button>
                </WriteArea>
                <span class="muted">{move || {
                    let n = file_name.get();
                    if n.is_empty() { "No file chosen.".to_string() } else { format!("Chosen: {n}") }
                }}</span>
            </div>
            <Transition fallback=|| ()>
                {move || job.get().and_then(|r| r.ok()).flatten().map(|j| view! {
                    <JobView job=j on_close=Callback::new(move |id| { dismiss.dispatch(id); })/>
                })}
            </Transition>
            <div aria-live="polite">
                {move || match stage.get() {
                    Stage::Idle | Stage::Started => ().into_any(),
                    Stage::Sending { confirm, percent } => view! { <Sending confirm percent/> }.into_any(),
                    Stage::Failed(message) => view! {
                        <p class="form-error" role="alert">{message}</p>
                    }.into_any(),
                    Stage::Preview(report) => view! {
                        <Preview report mode=mode.get() on_confirm=Callback::new(move |_| run(true))
                            on_cancel=Callback::new(move |_| {
                                stage.set(Stage::Idle);
                                file_name.set(String::new());
                                if let Some(i) = input.get_untracked() { i.set_value(""); }
                            })/>
                    }.into_any(),
                }}
            </div>
            <p class="muted">"Tip: export a fresh backup of "{ws_name}" before importing, especially in replace mode."</p>
        </section>
    }
}

#[component]
fn Sending(confirm: bool, percent: Option<u32>) -> impl IntoView {
    let sent = percent.unwrap_or(0);
    let label = if sent >= 100 {
        if confirm {
            "Importing… large backups take a minute; keep this page open.".to_string()
        } else {
            "Checking the file…".to_string()
        }
    } else {
        format!("Uploading the file… {sent} %")
    };
    view! {
        <div class="import-progress" role="status">
            <label for="import-progress-bar">{label}</label>
            <progress id="import-progress-bar" max="100" value=sent.to_string()></progress>
        </div>
    }
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "clients" => "Clients",
        "projects" => "Projects",
        "tags" => "Tags",
        "invoices" => "Invoices",
        "time_entries" => "Time entries",
        _ => "Other",
    }
}

#[component]
fn PlanTable(plans: Vec<KindPlan>, mode: Mode, done: bool) -> impl IntoView {
    let rest = match mode {
        Mode::Merge => "Kept (not in the file)",
        Mode::Replace => "Deleted (not in the file)",
    };
    let caption = if done {
        "What the import changed"
    } else {
        "What the import will change"
    };
    view! {
        <div class="table-wrap">
            <table class="table">
                <caption class="sr-only">{caption}</caption>
                <thead><tr>
                    <th scope="col">"Kind"</th>
                    <th scope="col" class="num">"New"</th>
                    <th scope="col" class="num">"Updated"</th>
                    <th scope="col" class="num">"Unchanged"</th>
                    <th scope="col" class="num">{rest}</th>
                </tr></thead>
                <tbody>
                    {plans.into_iter().map(|p| {
                        let other = match mode { Mode::Merge => p.left_alone, Mode::Replace => p.removed };
                        view! { <tr>
                            <th scope="row">{kind_label(&p.kind)}</th>
                            <td class="num">{group(p.new)}</td>
                            <td class="num">{group(p.updated)}</td>
                            <td class="num">{group(p.unchanged)}</td>
                            <td class="num">{group(other)}</td>
                        </tr> }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn Preview(
    report: ImportReport,
    mode: Mode,
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let c = report.file_counts.clone();
    let from = match report.exported_at {
        Some(at) => format!(
            "The file: a backup of “{}”, exported {}.",
            report.source_name,
            at.format("%-d %B %Y, %H:%M UTC")
        ),
        None => "The file could not be read far enough to say where it comes from.".to_string(),
    };
    let holds = format!(
        "It holds {}, {}, {}, {}, {} and {}.",
        plural(c.time_entries, "time entry", "time entries"),
        plural(c.projects, "project", "projects"),
        plural(c.clients, "client", "clients"),
        plural(c.tags, "tag", "tags"),
        plural(c.invoices, "invoice", "invoices"),
        plural(c.members, "member", "members"),
    );
    let nothing_to_do = report.ok()
        && report
            .plans
            .iter()
            .all(|p| p.new == 0 && p.updated == 0 && p.removed == 0);
    let problems = report.problems.clone();
    let more = report.more_problems;
    let problem_count = problems.len() as u64 + more;
    view! {
        <div class="import-preview" role="region" aria-labelledby="preview-heading">
            <h3 id="preview-heading" class="import-target">"Import into “"{report.target_name.clone()}"”"</h3>
            {report.ok().then(|| view! {
                <p>{from}" "{holds}</p>
                {report.new_ids.then(|| view! {
                    <p class="muted">"This file comes from another workspace. Its rows get new ids here, so importing it again changes nothing."</p>
                })}
                <PlanTable plans=report.plans.clone() mode done=false/>
                {(!report.unknown_people.is_empty()).then(|| view! {
                    <p>"These people in the file are not members of this workspace; their time entries and invoices will belong to you: "
                        {report.unknown_people.join(", ")}"."</p>
                })}
            })}
            {(!problems.is_empty()).then(|| view! {
                <div class="notice notice-warning" role="alert">
                    <p><strong>{format!("The file has {}. Nothing was imported.", plural(problem_count, "problem", "problems"))}</strong>
                        " Correct the file, or export the backup again, then choose it once more."</p>
                    <ul class="problem-list">
                        {problems.into_iter().map(|p| view! { <li><code>{p.path.clone()}</code>{(!p.path.is_empty()).then_some(": ")}{p.message.clone()}</li> }).collect_view()}
                    </ul>
                    {(more > 0).then(|| view! { <p>{format!("… and {more} more.")}</p> })}
                </div>
            })}
            {(report.ok() && mode == Mode::Replace).then(|| view! {
                <p class="notice notice-warning">"Replace deletes everything in this workspace that the file does not hold. "
                    <a href="/exports/backup">"Download a fresh backup first"</a>"."</p>
            })}
            <div class="form-inline">
                {(report.ok() && !nothing_to_do).then(|| view! {
                    <button type="button" class="btn btn-primary" on:click=move |_| on_confirm.run(())>"Confirm import"</button>
                })}
                {nothing_to_do.then(|| view! { <p>"Nothing to import: everything in the file is already here."</p> })}
                <button type="button" class="btn btn-secondary" on:click=move |_| on_cancel.run(())>"Cancel"</button>
            </div>
        </div>
    }
}

/// A running import's progress, or how it ended (until closed).
#[component]
fn JobView(job: ImportJob, on_close: Callback<uuid::Uuid>) -> impl IntoView {
    let id = job.id;
    let mode = match job.mode {
        Mode::Merge => "merge",
        Mode::Replace => "replace",
    };
    let started = format!(
        "“{}” ({mode}), started by {} on {}.",
        job.file_name,
        job.started_by,
        when(job.started_at)
    );
    let close = move || {
        view! {
            <button type="button" class="btn btn-secondary btn-small" on:click=move |_| on_close.run(id)>"Close"</button>
        }
    };
    let ended = match job.state.clone() {
        JobState::Running { .. } => None,
        JobState::Finished { report, .. } if report.applied => {
            let entries = report.plan("time_entries").cloned().unwrap_or_default();
            Some(view! {
                <div class="import-preview">
                    <h3 class="import-target">"Imported into “"{report.target_name.clone()}"”"</h3>
                    <p>{format!(
                        "{} added, {} updated, {} already here.",
                        plural_grouped(entries.new, "time entry", "time entries"),
                        group(entries.updated),
                        group(entries.unchanged)
                    )}</p>
                    <p class="muted">{started.clone()}</p>
                    <PlanTable plans=report.plans.clone() mode=report.mode done=true/>
                    <div class="form-inline">{close()}</div>
                </div>
            }.into_any())
        }
        JobState::Finished { report, .. } => {
            let count = report.problems.len() as u64 + report.more_problems;
            let more = report.more_problems;
            Some(view! {
                <div class="notice notice-warning">
                    <p><strong>{format!("The import of {} stopped: the file has {}. Nothing was imported.", job.file_name, plural(count, "problem", "problems"))}</strong>
                        " Correct the file, or export the backup again, then choose it once more."</p>
                    <ul class="problem-list">
                        {report.problems.iter().map(|p| view! { <li><code>{p.path.clone()}</code>{(!p.path.is_empty()).then_some(": ")}{p.message.clone()}</li> }).collect_view()}
                    </ul>
                    {(more > 0).then(|| view! { <p>{format!("… and {more} more.")}</p> })}
                    <p class="muted">{started.clone()}</p>
                    <div class="form-inline">{close()}</div>
                </div>
            }.into_any())
        }
        JobState::Failed { message, .. } => Some(view! {
            <div class="notice notice-warning">
                <p><strong>{format!("The import of {} did not happen.", job.file_name)}</strong>" "{message}</p>
                <p class="muted">{started.clone()}</p>
                <div class="form-inline">{close()}</div>
            </div>
        }.into_any()),
    };
    let running = match job.state {
        JobState::Running { done, total } => {
            let (text, value) = if total == 0 {
                ("Checking the file…".to_string(), None)
            } else {
                (
                    format!("{} of {} time entries", group(done), group(total)),
                    Some((done.min(total), total)),
                )
            };
            Some(view! {
                <div class="import-progress">
                    <label for="import-job-bar">{format!("Importing {started}")}</label>
                    {match value {
                        Some((d, t)) => view! {
                            <progress id="import-job-bar" max=t.to_string() value=d.to_string() aria-valuetext=text.clone()></progress>
                        }.into_any(),
                        None => view! { <progress id="import-job-bar" aria-valuetext=text.clone()></progress> }.into_any(),
                    }}
                    <p class="muted">{text}". You can leave this page: the import goes on, and this tab shows how it ended."</p>
                </div>
            })
        }
        _ => None,
    };
    view! {
        <div class="import-job">
            {running}
            <div aria-live="polite">{ended}</div>
        </div>
    }
}

/// `plural` with the count grouped in thousands.
fn plural_grouped(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", group(n))
    }
}

/// Sends the chosen file to `/imports`, showing its progress in `stage`
/// and ending in a preview, the outcome, or a sentence.
fn send(
    file: &web_sys::File,
    mode: Mode,
    confirm: bool,
    stage: RwSignal<Stage>,
    job_version: RwSignal<u32>,
) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let failed = |m: &str| Stage::Failed(m.to_string());
    let mode_name = match mode {
        Mode::Merge => "merge",
        Mode::Replace => "replace",
    };
    let name: String = web_sys::js_sys::encode_uri_component(&file.name()).into();
    let url = format!("/imports?mode={mode_name}&dry_run={}&name={name}", !confirm);
    let Ok(xhr) = web_sys::XmlHttpRequest::new() else {
        stage.set(failed("This browser cannot upload files."));
        return;
    };
    if xhr.open("POST", &url).is_err() {
        stage.set(failed("This browser cannot upload files."));
        return;
    }
    let content_type = if file.name().ends_with(".gz") {
        "application/gzip"
    } else {
        "application/json"
    };
    let _ = xhr.set_request_header("Content-Type", content_type);
    let _ = xhr.set_request_header("Accept", "application/json");
    if let Ok(upload) = xhr.upload() {
        let progress =
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
                if e.length_computable() && e.total() > 0.0 {
                    let percent = (e.loaded() / e.total() * 100.0).clamp(0.0, 100.0) as u32;
                    stage.set(Stage::Sending {
                        confirm,
                        percent: Some(percent),
                    });
                }
            });
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
        // Lives as long as the request (the browser drops it with it).
        progress.forget();
    }
    let answered = xhr.clone();
    let onload = Closure::once_into_js(move || {
        let status = answered.status().unwrap_or(0);
        let text = answered.response_text().ok().flatten().unwrap_or_default();
        let next = outcome(status, &text);
        if next == Stage::Started {
            job_version.update(|v| *v += 1);
        }
        stage.set(next);
    });
    xhr.set_onload(Some(onload.unchecked_ref()));
    let onerror = Closure::once_into_js(move || {
        stage.set(Stage::Failed(
            "The upload did not reach the server. Check your connection and try again.".into(),
        ))
    });
    xhr.set_onerror(Some(onerror.unchecked_ref()));
    stage.set(Stage::Sending {
        confirm,
        percent: Some(0),
    });
    if xhr.send_with_opt_blob(Some(file)).is_err() {
        stage.set(failed("The file could not be read by the browser."));
    }
}

fn outcome(status: u16, text: &str) -> Stage {
    if status == 202 {
        return Stage::Started;
    }
    if status == 200 {
        if let Ok(report) = serde_json::from_str::<ImportReport>(text) {
            return Stage::Preview(report);
        }
    }
    match serde_json::from_str::<AppError>(text) {
        Ok(e) => Stage::Failed(e.to_string()),
        Err(_) => Stage::Failed(format!(
            "The server answered with an error ({status}). Please try again."
        )),
    }
}
