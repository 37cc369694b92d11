//! Feedback pieces: toasts (results and undo, announced to screen readers)
//! and the confirm dialog (a native `<dialog>`: it traps focus and closes
//! with Escape).

use leptos::prelude::*;
use std::sync::Arc;

/// What Undo runs. A plain shared closure rather than a `Callback`: the
/// component that offered the undo (a deleted row) is usually gone by the
/// time the button is pressed, and a `Callback` would be disposed with it.
pub type Undo = Arc<dyn Fn() + Send + Sync>;

#[derive(Clone)]
struct Toast {
    id: u32,
    message: String,
    undo: Option<Undo>,
}

/// The toast queue, shared through context by the app shell.
#[derive(Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next: RwSignal<u32>,
}

/// How long a toast (and its Undo) stays.
pub const TOAST_MS: u64 = 6000;

impl Toasts {
    pub fn new() -> Self {
        Toasts {
            list: RwSignal::new(Vec::new()),
            next: RwSignal::new(1),
        }
    }

    /// Shows `message`; with `undo`, an Undo button that runs it. The same
    /// message shown again replaces the one on screen (and its timer) rather
    /// than piling up: five saves in a row say "Saved." once.
    pub fn show(&self, message: impl Into<String>, undo: Option<Undo>) {
        let message = message.into();
        let id = self.next.get_untracked();
        self.next.set(id + 1);
        self.list.update(|l| {
            l.retain(|t| t.message != message);
            l.push(Toast { id, message, undo })
        });
        #[cfg(feature = "hydrate")]
        {
            let list = self.list;
            set_timeout(
                move || list.update(|l| l.retain(|t| t.id != id)),
                std::time::Duration::from_millis(TOAST_MS),
            );
        }
    }

    fn dismiss(&self, id: u32) {
        self.list.update(|l| l.retain(|t| t.id != id));
    }
}

impl Default for Toasts {
    fn default() -> Self {
        Self::new()
    }
}

pub fn use_toasts() -> Toasts {
    use_context::<Toasts>().unwrap_or_default()
}

#[component]
pub fn ToastHost() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.list.get() key=|t| t.id let:t>
                <div class="toast">
                    <span>{t.message.clone()}</span>
                    {t.undo.map(|undo| {
                        let id = t.id;
                        view! {
                            <button type="button" class="btn btn-small btn-secondary" on:click=move |_| {
                                toasts.dismiss(id);
                                undo();
                            }>"Undo"</button>
                        }
                    })}
                    <button type="button" class="btn btn-small btn-ghost" aria-label="Dismiss" on:click={
                        let id = t.id;
                        move |_| toasts.dismiss(id)
                    }>"×"</button>
                </div>
            </For>
        </div>
    }
}

/// A modal confirmation that names the thing and the consequence.
#[component]
pub fn ConfirmDialog(
    /// Unique on the page; used for `aria-labelledby`.
    id: &'static str,
    open: RwSignal<bool>,
    #[prop(into)] title: Signal<String>,
    #[prop(into)] message: Signal<String>,
    #[prop(into)] confirm_label: Signal<String>,
    #[prop(into, default = Signal::stored(true))] danger: Signal<bool>,
    on_confirm: Callback<()>,
) -> impl IntoView {
    let node = NodeRef::<leptos::html::Dialog>::new();
    Effect::new(move |_| {
        let want = open.get();
        if let Some(d) = node.get() {
            if want && !d.open() {
                let _ = d.show_modal();
            } else if !want && d.open() {
                d.close();
            }
        }
    });
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    view! {
        <dialog node_ref=node class="dialog" aria-labelledby=labelled_by on:close=move |_| open.set(false)>
            <h2 id=title_id>{move || title.get()}</h2>
            <p>{move || message.get()}</p>
            <div class="actions dialog-actions">
                <button type="button" class="btn btn-secondary" on:click=move |_| open.set(false)>"Cancel"</button>
                <button
                    type="button"
                    class=move || if danger.get() { "btn btn-danger" } else { "btn btn-primary" }
                    on:click=move |_| {
                        open.set(false);
                        on_confirm.run(());
                    }
                >{move || confirm_label.get()}</button>
            </div>
        </dialog>
    }
}

/// A question to confirm before something that cannot simply be taken
/// back (a role change, a plan change, a revoked token): what will happen,
/// the button that does it, and the work itself.
#[derive(Clone)]
pub struct Ask {
    pub title: String,
    pub message: String,
    pub confirm: String,
    pub danger: bool,
    pub run: Undo,
}

/// One [`ConfirmDialog`] for the questions a page asks: set `ask` to ask.
#[component]
pub fn AskDialog(id: &'static str, ask: RwSignal<Option<Ask>>) -> impl IntoView {
    let open = RwSignal::new(false);
    // Each side is set only when it differs: a signal notifies on every
    // set, and two effects setting each other would never settle.
    Effect::new(move |_| {
        let want = ask.with(Option::is_some);
        if open.get_untracked() != want {
            open.set(want);
        }
    });
    Effect::new(move |_| {
        if !open.get() && ask.with_untracked(Option::is_some) {
            ask.set(None);
        }
    });
    let text = move |f: fn(&Ask) -> String| {
        Signal::derive(move || ask.with(|a| a.as_ref().map(f).unwrap_or_default()))
    };
    view! {
        <ConfirmDialog
            id
            open
            title=text(|a| a.title.clone())
            message=text(|a| a.message.clone())
            confirm_label=text(|a| a.confirm.clone())
            danger=Signal::derive(move || ask.with(|a| a.as_ref().is_some_and(|a| a.danger)))
            on_confirm=Callback::new(move |_| {
                if let Some(a) = ask.get_untracked() {
                    (a.run)();
                }
            })
        />
    }
}
