//! PDF rendering with Typst, shared by the time report (`time_export::pdf`)
//! and invoices (`invoices::pdf`): a template is a `.typ` file compiled
//! into the binary, its data arrives as JSON in `sys.inputs.data`, fonts
//! come from `typst-assets`, and nothing is read from disk or the network
//! at run time.
//!
//! Rendering is CPU work: it runs on a blocking thread inside a pool of
//! low-priority threads, at most [`RenderLimits::concurrent`] at a time,
//! and a render that outlasts [`RenderLimits::timeout`] (waiting included)
//! ends with the caller's sentence.

use crate::error::Error;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};

/// How many renders run at once and how long one may take.
#[derive(Clone)]
pub struct RenderLimits {
    pub concurrent: Arc<tokio::sync::Semaphore>,
    pub timeout: Duration,
}

impl RenderLimits {
    pub fn new(concurrent: usize, timeout: Duration) -> Self {
        RenderLimits {
            concurrent: Arc::new(tokio::sync::Semaphore::new(concurrent.max(1))),
            timeout,
        }
    }
}

/// A template and its engine, built on first use: parsing the fonts is
/// the costly part.
pub struct Template {
    source: &'static str,
    engine: OnceLock<TypstEngine<TypstTemplateMainFile>>,
}

impl Template {
    pub const fn new(source: &'static str) -> Self {
        Template {
            source,
            engine: OnceLock::new(),
        }
    }

    fn engine(&self) -> &TypstEngine<TypstTemplateMainFile> {
        self.engine.get_or_init(|| {
            TypstEngine::builder()
                .main_file(self.source)
                .fonts(typst_assets::fonts())
                .build()
        })
    }

    /// The document for `json`, then its PDF.
    pub fn compile(&self, json: String) -> Result<Vec<u8>, Error> {
        let mut input = typst::foundations::Dict::new();
        input.insert("data".into(), typst::foundations::Value::Str(json.into()));
        let doc: typst_layout::PagedDocument = self
            .engine()
            .compile_with_input(input)
            .output
            .map_err(|e| Error::Internal(format!("PDF layout: {e:?}")))?;
        typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default())
            .map_err(|e| Error::Internal(format!("PDF output: {e:?}")))
    }
}

/// The threads renders run on, Typst's own parallel layout included (it
/// uses whichever rayon pool it is called in). They run at the lowest
/// priority the system gives, so on a small server a render takes what the
/// requests leave: with four PDFs rendering on two cores, a request would
/// otherwise wait behind them for tens of milliseconds. If the pool cannot
/// be made, renders run on the blocking thread at normal priority.
fn render_pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let lowered = || {
            if let Err(e) =
                thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min)
            {
                tracing::warn!(error = ?e, "PDF render threads keep normal priority");
            }
        };
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("pdf-render-{i}"))
            .start_handler(move |_| lowered())
            .build()
            .map_err(|e| tracing::warn!(error = %e, "no pool of its own for PDF renders"))
            .ok()
    })
    .as_ref()
}

/// Renders `template` with `json` within `limits`; over the time limit,
/// the answer is [`Error::TooSlow`] with `too_slow` as its sentence.
pub async fn render(
    template: &'static Template,
    json: String,
    limits: &RenderLimits,
    too_slow: String,
) -> Result<Vec<u8>, Error> {
    let work = async {
        let permit = limits
            .concurrent
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Error::Internal("the PDF renderer is closed".into()))?;
        tokio::task::spawn_blocking(move || {
            // Held until the render ends, even after its caller gave up.
            let _permit = permit;
            match render_pool() {
                Some(pool) => pool.install(|| template.compile(json)),
                None => template.compile(json),
            }
        })
        .await
        .map_err(|e| Error::Internal(format!("PDF render: {e}")))?
    };
    tokio::time::timeout(limits.timeout, work)
        .await
        .map_err(|_| Error::TooSlow(too_slow))?
}
