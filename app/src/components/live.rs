//! Live updates in the browser: each signed-in tab follows one event
//! stream (`GET /events`; the server side is `crate::live`). When the
//! person's timer or entries change anywhere (another tab, a phone, an API
//! script), the timer and the entry lists here load again, within a moment.
//!
//! When the stream opens, and again whenever it reopens after a drop (the
//! browser reconnects it) or after the tab was in the background (which
//! lets its stream go), the page loads again, as changes may have been
//! made while it was not listening. A stream the server refused (the
//! server was away, say) is tried again after 1, 2, 4 … up to 30 seconds.
//!
//! When the session moves to another workspace (this tab or another
//! switched), the page reloads the person and follows the new workspace.
//! When the session ends (revoked on another device, signed out) the page
//! reloads, which shows the sign-in page with the reason; when it was
//! replaced by a new session of this browser (turning on 2FA, changing
//! the password), the page stays and follows a new stream.

use crate::components::layout::{use_timer, EntriesVersion};
use leptos::prelude::*;

/// Entry editors open on this page. While one is open, a change elsewhere
/// reloads the timer but not the lists, which would close the editor and
/// lose what is being typed; the lists reload once the last one closes.
/// Provided by the signed-in layout, above everything that reads it.
#[derive(Clone, Copy)]
pub struct OpenEditors {
    open: RwSignal<u32>,
    waiting: RwSignal<bool>,
}

impl OpenEditors {
    pub fn new() -> OpenEditors {
        OpenEditors {
            open: RwSignal::new(0),
            waiting: RwSignal::new(false),
        }
    }
}

impl Default for OpenEditors {
    fn default() -> Self {
        Self::new()
    }
}

/// Counts the editor shown while `editing` is true as open (see
/// [`OpenEditors`]). Outside the signed-in layout it does nothing.
pub fn hold_lists_while(editing: Signal<bool>) {
    let Some(OpenEditors { open, .. }) = use_context::<OpenEditors>() else {
        return;
    };
    let counted = StoredValue::new(false);
    Effect::new(move |_| {
        let now = editing.get();
        if now != counted.get_value() {
            counted.set_value(now);
            open.update(|n| *n = if now { *n + 1 } else { n.saturating_sub(1) });
        }
    });
    on_cleanup(move || {
        if counted.get_value() {
            open.update(|n| *n = n.saturating_sub(1));
        }
    });
}

/// What makes the entry lists load again for a change made elsewhere: now,
/// or once the last open editor closes. Taken where the component is made
/// (it reads the layout's context).
pub fn lists_reloader() -> impl Fn() + Copy + 'static {
    let version = expect_context::<EntriesVersion>().0;
    let editors = use_context::<OpenEditors>();
    move || match editors {
        Some(OpenEditors { open, waiting }) if open.get_untracked() > 0 => waiting.set(true),
        _ => version.update(|v| *v += 1),
    }
}

/// How long after the lists last loaded a change does not load them again
/// (see `loaded_at` in [`LiveUpdates`]).
const SETTLE_MS: f64 = 1_500.0;

/// Follows the stream for as long as the signed-in layout is shown.
#[component]
pub fn LiveUpdates() -> impl IntoView {
    let timer = use_timer();
    let version = expect_context::<EntriesVersion>().0;
    let editors = expect_context::<OpenEditors>();
    // When the lists last loaded: this page's first render, its own
    // writes, or a change from elsewhere. A change arriving soon after is
    // most often the echo of this page's own write, which reloaded them
    // already; loading them again would interrupt someone opening an
    // entry's editor right after saving. The timer is asked again anyway,
    // and a timer that changed reloads the lists itself.
    let loaded_at = StoredValue::new(crate::components::timer_bar::now_ms());
    Effect::new(move |_| {
        version.track();
        loaded_at.set_value(crate::components::timer_bar::now_ms());
    });
    let reload_lists = lists_reloader();
    let refresh = move || {
        timer.refetch();
        if crate::components::timer_bar::now_ms() - loaded_at.get_value() >= SETTLE_MS {
            reload_lists();
        }
    };
    Effect::new(move |_| {
        if editors.open.get() == 0 && editors.waiting.get_untracked() {
            editors.waiting.set(false);
            version.update(|v| *v += 1);
        }
    });
    #[cfg(feature = "hydrate")]
    {
        let (stop, stopped) = futures_channel::oneshot::channel::<()>();
        let (seen, shown) = futures_channel::mpsc::unbounded::<()>();
        let listener = window_event_listener(leptos::ev::visibilitychange, move |_| {
            let _ = seen.unbounded_send(());
        });
        let me = crate::components::layout::use_me().0;
        let (refresh, moved) = (
            Callback::new(move |()| refresh()),
            Callback::new(move |()| me.refetch()),
        );
        leptos::task::spawn_local(follow(refresh, moved, shown, stopped));
        let stop = send_wrapper::SendWrapper::new(stop);
        on_cleanup(move || {
            listener.remove();
            let _ = stop.take().send(());
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = refresh;
}

#[cfg(feature = "hydrate")]
fn hidden() -> bool {
    document().visibility_state() == web_sys::VisibilityState::Hidden
}

/// Holds the stream while the tab is shown. A hidden tab lets its stream
/// go: a browser allows a site six HTTP/1.1 connections in all, and tabs
/// left open in the background must not take them from the one in use.
/// Shown again, it reopens the stream, and its `hello` loads the page again.
///
/// A lazy function: the stream's code (gloo-net's EventSource, the stream
/// combinators) is a WASM chunk of its own that the browser fetches once
/// the page has hydrated, so the first download does not carry it.
#[cfg(feature = "hydrate")]
#[lazy]
async fn follow(
    refresh: Callback<()>,
    moved: Callback<()>,
    mut shown: futures_channel::mpsc::UnboundedReceiver<()>,
    mut stopped: futures_channel::oneshot::Receiver<()>,
) {
    use futures_util::future::{select, Either};
    use futures_util::StreamExt;
    use gloo_net::eventsource::futures::EventSource;

    let mut wait_ms = 1_000;
    loop {
        while hidden() {
            // The listener goes with the layout: so does this.
            if let Either::Right(_) | Either::Left((None, _)) =
                select(shown.next(), &mut stopped).await
            {
                return;
            }
        }
        let Ok(mut source) = EventSource::new("/events") else {
            return;
        };
        let subscribed = ["hello", "changed", "ended"].map(|kind| source.subscribe(kind));
        let Ok(streams) = subscribed.into_iter().collect::<Result<Vec<_>, _>>() else {
            return;
        };
        let mut events = futures_util::stream::select_all(streams);
        let refused = loop {
            let next = select(events.next(), shown.next());
            match select(next, &mut stopped).await {
                Either::Right(_) => {
                    source.close();
                    return;
                }
                Either::Left((Either::Right((None, _)), _)) => {
                    source.close();
                    return;
                }
                // The tab was hidden: let the stream go until it is shown.
                Either::Left((Either::Right(_), _)) => {
                    if hidden() {
                        break false;
                    }
                }
                Either::Left((Either::Left((Some(Ok((kind, message))), _)), _)) => {
                    match kind.as_str() {
                        "hello" => {
                            // The page may be behind: it was rendered before
                            // the stream opened, or it was away a while.
                            refresh.run(());
                            wait_ms = 1_000;
                        }
                        "changed" => refresh.run(()),
                        _ => {
                            let why = message.data().as_string().unwrap_or_default();
                            // The session moved to another workspace (this
                            // tab or another switched): the page shows the
                            // person and follows the workspace anew.
                            if why == "moved" {
                                moved.run(());
                                break false;
                            }
                            // The session this stream was opened with is
                            // over. Turning on 2FA or changing the password
                            // replaces it with a new one: still signed in,
                            // the page stays (it may be showing recovery
                            // codes, once) and follows a new stream.
                            if crate::auth::get_me().await.is_ok() {
                                break false;
                            }
                            source.close();
                            // Signed out here: the sign-out goes to sign-in
                            // itself (a reload would come back with a way
                            // back to this page).
                            if crate::components::forms::signing_out() {
                                return;
                            }
                            // Signed out elsewhere or revoked: the reload
                            // shows the sign-in page with the reason.
                            let _ = window().location().reload();
                            return;
                        }
                    }
                }
                // Closed for good (refused, or the server is away): the
                // browser will not retry this one, so a new one is opened.
                Either::Left((Either::Left(_), _)) => break true,
            }
        };
        drop(events);
        source.close();
        if !refused {
            continue;
        }
        let (wake, woken) = futures_channel::oneshot::channel::<()>();
        set_timeout(
            move || {
                let _ = wake.send(());
            },
            std::time::Duration::from_millis(wait_ms),
        );
        if let Either::Right(_) = select(woken, &mut stopped).await {
            return;
        }
        wait_ms = (wait_ms * 2).min(30_000);
    }
}
