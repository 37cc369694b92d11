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

/// Every page but the daily Timer and Time entries (sign-in and sign-up,
/// reports, clients, projects, tags, invoices, settings, profile, the API
/// reference) loads its code when first visited: each is a lazy route
/// whose view lives in its own WASM chunk (`cargo leptos build --split`),
/// so the first download carries only what the daily pages need. The
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
