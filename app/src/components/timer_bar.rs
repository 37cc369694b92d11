//! The running timer in the top bar: description, project and tag pickers,
//! the elapsed time ticking live, Start and Stop. The timer lives on the
//! server; this shows it and changes it.

use crate::components::feedback::use_toasts;
use crate::components::forms::{bind_typed, redirect_if_signed_out};
use crate::components::layout::{
    catalog_lists, catalogue_loaded, use_timer, CatalogLists, EntriesVersion, WriteArea,
};
use crate::components::pickers::{ProjectSelect, TagPicker};
use crate::entries::TimeEntry;
use crate::periods::clock;
use crate::timer::{start_timer, stop_timer, update_timer, Stopped, TimerInput};
use leptos::prelude::*;
use uuid::Uuid;

/// Milliseconds since the epoch on this device (0 on the server).
pub fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

/// A description typed into the timer but not yet started or saved, kept
/// in this tab's `sessionStorage` so a reload does not lose it. It belongs
/// to the running entry it was typed for (or to no entry), so a draft for
/// a timer that has since stopped is not shown on the next one.
mod draft {
    use uuid::Uuid;

    #[cfg(feature = "hydrate")]
    const KEY: &str = "timether.timer-draft";

    #[cfg(feature = "hydrate")]
    fn storage() -> Option<web_sys::Storage> {
        leptos::prelude::window().session_storage().ok().flatten()
    }

    fn owner(entry: Option<Uuid>) -> String {
        entry.map(|e| e.to_string()).unwrap_or_default()
    }

    pub fn save(entry: Option<Uuid>, text: &str) {
        #[cfg(feature = "hydrate")]
        if let Some(s) = storage() {
            let _ = s.set_item(KEY, &format!("{}\n{text}", owner(entry)));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (owner(entry), text);
    }

    pub fn load(entry: Option<Uuid>) -> Option<String> {
        #[cfg(feature = "hydrate")]
        {
            let stored = storage()?.get_item(KEY).ok().flatten()?;
            let (who, text) = stored.split_once('\n')?;
            (who == owner(entry)).then(|| text.to_string())
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = owner(entry);
            None
        }
    }

    pub fn clear() {
        #[cfg(feature = "hydrate")]
        if let Some(s) = storage() {
            let _ = s.remove_item(KEY);
        }
    }
}

#[component]
pub fn TimerBar() -> impl IntoView {
    let timer = use_timer();
    // A tab coming back to the front may be out of date (a timer started or
    // stopped elsewhere): it asks again.
    #[cfg(feature = "hydrate")]
    {
        // Switching tabs fires both events: one request for the pair.
        let last = StoredValue::new(0.0_f64);
        let again = move || {
            if now_ms() - last.get_value() > 1000.0 {
                last.set_value(now_ms());
                timer.refetch();
            }
        };
        let back = window_event_listener(leptos::ev::visibilitychange, move |_| {
            if document().visibility_state() == web_sys::VisibilityState::Visible {
                again();
            }
        });
        let focus = window_event_listener(leptos::ev::focus, move |_| again());
        on_cleanup(move || {
            back.remove();
            focus.remove();
        });
    }
    view! {
        <Transition fallback=|| view! { <span class="skeleton skeleton-line timer-skeleton"></span> }>
            {move || Suspend::new(async move {
                // The pickers need the catalogue; it is awaited here rather
                // than in a boundary of their own inside the form (see
                // `with_catalog`).
                catalogue_loaded().await;
                // Awaited without subscribing: a later refetch (a tab coming
                // back, Continue on an entry) updates the form in place
                // rather than building it again over what is being typed.
                let first = {
                    use std::future::{Future, IntoFuture};
                    let mut pending = Box::pin(timer.into_future());
                    std::future::poll_fn(move |cx| untrack(|| pending.as_mut().poll(cx))).await
                };
                match first {
                    Ok(initial) => view! { <TimerForm initial/> }.into_any(),
                    Err(e) => {
                        redirect_if_signed_out(&e);
                        view! { <p class="timer-error" role="alert">{e.to_string()}</p> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn TimerForm(initial: Option<TimeEntry>) -> impl IntoView {
    let version = expect_context::<EntriesVersion>().0;
    let toasts = use_toasts();
    let running = RwSignal::new(initial.clone());
    let description = RwSignal::new(
        initial
            .as_ref()
            .map(|e| e.description.clone())
            .unwrap_or_default(),
    );
    let description_input = NodeRef::<leptos::html::Input>::new();
    bind_typed(description_input, description);
    let project = RwSignal::new(
        initial
            .as_ref()
            .and_then(|e| e.project.as_ref().map(|p| p.id)),
    );
    let tags: RwSignal<Vec<Uuid>> = RwSignal::new(
        initial
            .as_ref()
            .map(|e| e.tags.iter().map(|t| t.id).collect())
            .unwrap_or_default(),
    );
    let base_ms =
        RwSignal::new(now_ms() - initial.as_ref().map_or(0, |e| e.duration_secs) as f64 * 1000.0);
    let tick = RwSignal::new(now_ms());
    #[cfg(feature = "hydrate")]
    {
        if let Ok(h) = set_interval_with_handle(
            move || tick.set(now_ms()),
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || h.clear());
        }
    }
    let elapsed = move || {
        running.with(|r| {
            r.as_ref().map(|e| {
                if cfg!(feature = "hydrate") {
                    ((tick.get() - base_ms.get()) / 1000.0) as i64
                } else {
                    e.duration_secs
                }
            })
        })
    };
    let input = move || TimerInput {
        description: description.get_untracked(),
        project_id: project.get_untracked(),
        tag_ids: tags.get_untracked(),
        billable: None,
    };
    let start = Action::new(|i: &TimerInput| {
        let i = i.clone();
        async move { start_timer(i).await }
    });
    // Stop names the entry this page shows running (see `Stopped`).
    let stop = Action::new(|id: &Option<Uuid>| stop_timer(*id));
    let update = Action::new(|i: &TimerInput| {
        let i = i.clone();
        async move { update_timer(i).await }
    });
    // A reload while typing: the draft comes back (and a running timer's
    // is saved, as leaving the field would have done).
    Effect::new(move |_| {
        let entry = running.with_untracked(|r| r.as_ref().map(|e| e.id));
        if let Some(text) = draft::load(entry) {
            if text != description.get_untracked() {
                description.set(text);
                if entry.is_some() {
                    update.dispatch(input());
                }
            }
        }
    });
    Effect::new(move |_| match start.value().get() {
        Some(Ok(started)) => {
            draft::clear();
            if started.stopped_in.is_some() {
                toasts.show(started.message(), None);
            }
            let e = started.entry;
            base_ms.set(now_ms() - e.duration_secs as f64 * 1000.0);
            tick.set(now_ms());
            running.set(Some(e));
            version.update(|v| *v += 1);
        }
        Some(Err(e)) => redirect_if_signed_out(&e),
        None => {}
    });
    // Shows `now` (what the server says runs) when it is not what this
    // form shows: a timer started or stopped in another tab or device.
    let reload_lists = crate::components::live::lists_reloader();
    let show = move |now: Option<TimeEntry>| {
        if running.with_untracked(|r| r.as_ref().map(|e| e.id)) == now.as_ref().map(|e| e.id) {
            // The same timer, perhaps renamed elsewhere: taken, unless this
            // page is in the middle of changing it.
            let typing = description_input
                .get_untracked()
                .is_some_and(|i| document().active_element().is_some_and(|a| a == **i));
            if let (Some(e), false) = (&now, typing) {
                if e.description != description.get_untracked() {
                    description.set(e.description.clone());
                }
                let p = e.project.as_ref().map(|p| p.id);
                if p != project.get_untracked() {
                    project.set(p);
                }
                let t: Vec<Uuid> = e.tags.iter().map(|t| t.id).collect();
                if t != tags.get_untracked() {
                    tags.set(t);
                }
            }
            return;
        }
        draft::clear();
        base_ms.set(now_ms() - now.as_ref().map_or(0, |e| e.duration_secs) as f64 * 1000.0);
        tick.set(now_ms());
        description.set(
            now.as_ref()
                .map(|e| e.description.clone())
                .unwrap_or_default(),
        );
        project.set(now.as_ref().and_then(|e| e.project.as_ref().map(|p| p.id)));
        tags.set(
            now.as_ref()
                .map(|e| e.tags.iter().map(|t| t.id).collect())
                .unwrap_or_default(),
        );
        running.set(now);
        reload_lists();
    };
    let timer = use_timer();
    Effect::new(move |first: Option<()>| {
        let latest = timer.get();
        if first.is_some() {
            if let Some(Ok(now)) = latest {
                show(now);
            }
        }
    });
    Effect::new(move |_| match stop.value().get() {
        Some(Ok(Stopped::OtherRunning(e))) => {
            // Out of date: show what runs now, stop nothing.
            toasts.show(
                Stopped::OtherRunning(e.clone())
                    .message()
                    .unwrap_or_default(),
                None,
            );
            show(Some(e));
        }
        Some(Ok(outcome)) => {
            draft::clear();
            running.set(None);
            description.set(String::new());
            project.set(None);
            tags.set(Vec::new());
            version.update(|v| *v += 1);
            toasts.show(
                outcome
                    .message()
                    .unwrap_or_else(|| "Time entry saved.".into()),
                None,
            );
        }
        Some(Err(e)) => redirect_if_signed_out(&e),
        None => {}
    });
    Effect::new(move |_| {
        if let Some(Ok(e)) = update.value().get() {
            if draft::load(Some(e.id)).is_some_and(|d| d == e.description) {
                draft::clear();
            }
            running.set(Some(e));
        }
    });
    // Changing the project or tags of a running timer saves them.
    Effect::new(move |prev: Option<(Option<Uuid>, Vec<Uuid>)>| {
        let now = (project.get(), tags.get());
        if prev.is_some_and(|p| p != now) && running.get_untracked().is_some() {
            update.dispatch(input());
        }
        now
    });
    let error = move || {
        start
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| stop.value().get().and_then(|r| r.err()))
            .or_else(|| update.value().get().and_then(|r| r.err()))
            .map(|e| e.to_string())
    };
    let busy = move || start.pending().get() || stop.pending().get();
    let live = crate::components::forms::interactive();
    let is_running = move || running.with(|r| r.is_some());
    let CatalogLists {
        projects,
        clients,
        tags: all_tags,
    } = catalog_lists();
    let current_project = initial.as_ref().and_then(|e| e.project.clone());
    view! {
        <form
            class="timer"
            class:timer-running=is_running
            aria-label="Timer"
            on:submit=move |ev| {
                ev.prevent_default();
                if running.get_untracked().is_some() {
                    update.dispatch(input());
                } else {
                    start.dispatch(input());
                }
            }
        >
            <WriteArea compact=true>
            <label for="timer-description" class="sr-only">"What are you working on?"</label>
            <input
                id="timer-description"
                class="timer-description"
                placeholder="What are you working on?"
                autocomplete="off"
                maxlength="2000"
                node_ref=description_input
                value=description.get_untracked()
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    draft::save(running.with_untracked(|r| r.as_ref().map(|e| e.id)), &text);
                    description.set(text);
                }
                on:change=move |_| {
                    if running.get_untracked().is_some() {
                        update.dispatch(input());
                    }
                }
            />
            <label for="timer-project" class="sr-only">"Project"</label>
            <ProjectSelect id="timer-project".to_string() value=project projects clients current=current_project class="select timer-project"/>
            <TagPicker id="timer-tags".to_string() value=tags tags=all_tags/>
            <span class="timer-elapsed duration" aria-live="off" role="timer" aria-label="Elapsed time">
                {move || elapsed().map(clock).unwrap_or_else(|| "0:00:00".into())}
            </span>
            <Show
                when=is_running
                fallback=move || view! {
                    <button type="submit" class="btn btn-primary timer-button" disabled=move || busy() || !live.get() aria-busy=move || busy().to_string()>
                        <span aria-hidden="true">"▶"</span>" Start"
                    </button>
                }
            >
                <button type="button" class="btn btn-primary timer-button timer-stop" disabled=busy aria-busy=move || busy().to_string() on:click=move |_| { stop.dispatch(running.with_untracked(|r| r.as_ref().map(|e| e.id))); }>
                    <span aria-hidden="true">"■"</span>" Stop"
                </button>
            </Show>
            </WriteArea>
            <p class="timer-error" role="alert">{error}</p>
        </form>
    }
}
