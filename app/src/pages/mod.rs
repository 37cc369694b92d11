//! One module per page (or group of tabbed pages).

pub mod api_docs;
pub mod api_tokens;
pub mod auth;
pub mod catalog;
pub mod entries;
pub mod home;
pub mod invoices;
pub mod not_found;
pub mod profile;
pub mod reports;
pub mod two_factor;
pub mod workspace_data;
pub mod workspace_settings;

/// The title of the page at `path`, known without the page's code.
///
/// Lazy pages (below) would carry their own `<Title>` only once their chunk has
/// arrived; until then, after a client-side move such as Sign out → Sign
/// in, the document would have no title, and during hydration the
/// server's title would be cleared. The app shell sets this one from the
/// path first; a page with a more specific title (an invoice's number)
/// still adds its own on top.
pub fn title_for(path: &str) -> &'static str {
    let path = path.trim_end_matches('/');
    match path {
        "" => "Timer",
        "/signin" => "Sign in",
        "/signup" => "Sign up",
        "/entries" => "Time entries",
        "/reports" => "Reports",
        "/invoices" => "Invoices",
        "/clients" => "Clients",
        "/projects" => "Projects",
        "/tags" => "Tags",
        "/workspaces/new" => "New workspace",
        "/settings/workspace" => "General",
        "/settings/workspace/members" => "Members",
        "/settings/workspace/plan" => "Plan & billing",
        "/settings/workspace/api" => "API tokens",
        "/settings/workspace/data" => "Data",
        "/developers/api" => "API reference",
        "/profile" => "Profile",
        "/profile/security" => "Security",
        "/profile/sessions" => "Sessions",
        p if p.starts_with("/invoices/") && !p["/invoices/".len()..].contains('/') => "Invoice",
        _ => "Page not found",
    }
}

/// Every page but the Timer, where people land (Time entries with its
/// filters, sign-in and sign-up, reports, clients, projects, tags,
/// invoices, settings, profile, the API reference) loads its code when
/// first visited: each is a lazy route whose view lives in its own WASM
/// chunk (`cargo leptos build --split`), so the first download carries
/// only what the Timer needs. The
/// server renders them as usual; the browser fetches the chunk before it
/// hydrates such a page.
pub mod lazy {
    use leptos::prelude::*;
    use leptos_router::{lazy_route, LazyRoute};

    macro_rules! lazy_pages {
        ($($route:ident => $page:path),* $(,)?) => {$(
            pub struct $route;

            #[lazy_route]
            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                fn view(_this: Self) -> AnyView {
                    $page().into_any()
                }
            }
        )*};
    }

    lazy_pages!(
        SignIn => super::auth::SignInPage,
        SignUp => super::auth::SignUpPage,
        Entries => super::entries::EntriesPage,
        Reports => super::reports::ReportsPage,
        Clients => super::catalog::ClientsPage,
        Projects => super::catalog::ProjectsPage,
        Tags => super::catalog::TagsPage,
        Invoices => super::invoices::InvoicesPage,
        Invoice => super::invoices::InvoicePage,
        NewWorkspace => super::workspace_settings::NewWorkspacePage,
        WorkspaceGeneral => super::workspace_settings::GeneralPage,
        WorkspaceMembers => super::workspace_settings::MembersPage,
        WorkspacePlan => super::workspace_settings::PlanPage,
        WorkspaceData => super::workspace_data::DataPage,
        ApiTokens => super::api_tokens::ApiTokensPage,
        ApiDocs => super::api_docs::ApiDocsPage,
        Profile => super::profile::ProfilePage,
        Security => super::profile::SecurityPage,
        Sessions => super::profile::SessionsPage,
    );
}
