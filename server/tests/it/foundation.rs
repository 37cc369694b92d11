//! Accounts, sessions, workspaces and web hardening, end to end through the
//! real router, on SQLite or PostgreSQL (TIMETHER_TEST_DATABASE_URL).

use crate::common::*;
use app::active_sessions::LogOutOtherSessions;
use app::auth::{SignIn, SignOut, SignUp};
use app::db::entities::sessions;
use app::profile::ChangePassword;
use app::profile::UpdateProfile;
use app::types::{Plan, Role};
use app::workspaces::{
    AddMember, ChangeMemberRole, ChangePlan, ListMembers, RemoveMember, RenameWorkspace,
    SwitchWorkspace,
};
use axum::http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

#[tokio::test]
async fn sign_up_sign_in_sign_out() {
    let app = spawn().await;
    let (mut c, email) = app.signed_up("Ada Lovelace").await;
    let cookie = c.cookie.clone().expect("session cookie");
    assert!(cookie.starts_with("timether_session="));

    let me = c.me().await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let me = me.json();
    assert_eq!(me["user"]["email"], email);
    assert_eq!(me["current"]["name"], "Ada's workspace");
    assert_eq!(me["current"]["role"], "Owner");
    assert_eq!(me["current"]["plan"], "Free");

    // The database keeps only the digest of the cookie token.
    let token = cookie.split_once('=').unwrap().1;
    let rows = sessions::Entity::find().all(&app.db).await.unwrap();
    assert!(rows.iter().all(|r| r.token_hash != token));
    assert!(rows
        .iter()
        .any(|r| r.token_hash == app::auth::sessions::digest(token)));

    let out = c.invoke(SignOut {}).await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    assert!(c.cookie.is_none(), "sign-out clears the cookie");
    // The old token is dead even if someone kept it.
    c.cookie = Some(cookie.clone());
    assert_eq!(c.me().await.status, StatusCode::UNAUTHORIZED);
    c.cookie = None;

    let r = c
        .invoke(SignIn {
            email: email.to_uppercase().to_string(),
            password: PASSWORD.to_string(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let new_cookie = c.cookie.clone().unwrap();
    assert_ne!(new_cookie, cookie, "a new session id on every sign-in");
    assert_eq!(c.me().await.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_identical_answers() {
    let app = spawn().await;
    let (_, email) = app.signed_up("Grace").await;
    let mut c = app.client();
    let wrong_password = c
        .invoke(SignIn {
            email: email.to_string(),
            password: "not the password".into(),
        })
        .await;
    let unknown = c
        .invoke(SignIn {
            email: unique_email("nobody").to_string(),
            password: "not the password".into(),
        })
        .await;
    assert_eq!(wrong_password.status, unknown.status);
    assert_eq!(wrong_password.body, unknown.body);
    assert!(wrong_password
        .body
        .contains("The email or password is incorrect."));
    assert!(c.cookie.is_none());
}

#[tokio::test]
async fn sign_up_validates_with_field_messages() {
    let app = spawn().await;
    let mut c = app.client();
    let email = unique_email("val");
    let short = c
        .invoke(SignUp {
            name: "Val".into(),
            email: email.to_string(),
            password: "short".into(),
        })
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(short.json()["Invalid"]["field"], "password");
    assert!(short.body.contains("at least 8 characters"));
    let common = c
        .invoke(SignUp {
            name: "Val".into(),
            email: email.to_string(),
            password: "password123".into(),
        })
        .await;
    assert!(common.body.contains("most common"), "{}", common.body);
    let bad_email = c
        .invoke(SignUp {
            name: "Val".into(),
            email: "val@".into(),
            password: PASSWORD.to_string(),
        })
        .await;
    assert_eq!(bad_email.json()["Invalid"]["field"], "email");
    assert!(c.cookie.is_none());

    let (_, taken) = app.signed_up("Taken").await;
    let dup = c
        .invoke(SignUp {
            name: "Again".into(),
            email: taken.to_string(),
            password: PASSWORD.to_string(),
        })
        .await;
    assert_eq!(dup.json()["Invalid"]["field"], "email");
}

#[tokio::test]
async fn a_deleted_session_row_signs_the_browser_out_on_its_next_request() {
    let app = spawn().await;
    let (mut c, _) = app.signed_up("Deleted").await;
    let page = c.get("/").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let user_id: uuid::Uuid = c.me().await.json()["user"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    sessions::Entity::delete_many()
        .filter(sessions::Column::UserId.eq(user_id))
        .exec(&app.db)
        .await
        .unwrap();

    let page = c.get("/").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.headers["location"], "/signin");
    let rpc = c.me().await;
    assert_eq!(rpc.status, StatusCode::UNAUTHORIZED);
    assert_eq!(rpc.json(), serde_json::json!("Unauthenticated"));
}

#[tokio::test]
async fn a_revoked_session_is_refused_by_a_second_instance_sharing_the_database() {
    let app = spawn().await;
    let (mut c, _) = app.signed_up("Twin").await;
    // A second server on the same database (another process in production).
    let db2 = connect(&app.url).await;
    let options = leptos::prelude::LeptosOptions::builder()
        .output_name("timether")
        .build();
    let router2 = timether_server::router(db2, app.settings.clone(), options);
    let mut c2 = c.clone();
    c2.router = router2;
    assert_eq!(c2.me().await.status, StatusCode::OK);
    assert_eq!(c.invoke(SignOut {}).await.status, StatusCode::OK);
    assert_eq!(c2.me().await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn signed_out_pages_redirect_and_signed_in_auth_pages_redirect_home() {
    let app = spawn().await;
    let mut anon = app.client();
    // Back to the page after signing in (the Timer is where sign-in leads
    // anyway); the query string comes along.
    for (path, to) in [
        ("/", "/signin"),
        (
            "/settings/workspace",
            "/signin?next=%2Fsettings%2Fworkspace",
        ),
        (
            "/reports?period=last-month&tag_ids=a,b",
            "/signin?next=%2Freports%3Fperiod%3Dlast-month%26tag_ids%3Da%2Cb",
        ),
    ] {
        let r = anon.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.headers["location"], to, "{path}");
    }
    let signin = anon.get("/signin").await;
    assert_eq!(signin.status, StatusCode::OK);
    assert!(
        signin.body.contains("<h1>Sign in</h1>"),
        "server-rendered form"
    );
    let (mut c, _) = app.signed_up("Home").await;
    let r = c.get("/signin").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers["location"], "/");
}

/// A session revoked from another device ("Revoke", "Log Out Other
/// Sessions") sends its browser to a sign-in page that says so, with the
/// page to return to, and clears the dead cookie; the page it asked for
/// waits. One that merely ended says nothing of the kind.
#[tokio::test]
async fn a_revoked_session_is_told_so_on_the_sign_in_page() {
    let app = spawn().await;
    let (mut laptop, email) = app.signed_up("Rev Oked").await;
    let mut phone = app.client();
    let r = phone
        .invoke(SignIn {
            email: email.to_string(),
            password: PASSWORD.to_string(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = laptop.invoke(LogOutOtherSessions {}).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let dead = phone.cookie.clone();
    let r = phone.get("/entries?from=2026-11-01").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers["location"],
        "/signin?next=%2Fentries%3Ffrom%3D2026-11-01&ended=revoked"
    );
    let cleared = r.headers[axum::http::header::SET_COOKIE].to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert_ne!(phone.cookie, dead, "the dead cookie is cleared");

    // Sent to /signin by the app (a failed call) with the dead cookie still
    // there: the same redirect, keeping the page to return to.
    phone.cookie = dead.clone();
    let r = phone.get("/signin?next=%2Freports").await;
    assert_eq!(
        r.headers["location"],
        "/signin?next=%2Freports&ended=revoked"
    );
    let page = phone.get("/signin?next=%2Freports&ended=revoked").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("this session was revoked from another device"),
        "{}",
        page.body
    );
    // Another site as `next` is never sent on.
    let mut anon = app.client();
    anon.cookie = dead;
    let r = anon.get("/signin?next=%2F%2Fevil.example").await;
    assert_eq!(r.headers["location"], "/signin?ended=revoked");
    let plain = app.client().get("/signin").await;
    assert!(!plain.body.contains("revoked"));
}

#[tokio::test]
async fn members_cannot_rename_or_manage_members_and_owners_can() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Olivia").await;
    let (mut member, member_email) = app.signed_up("Max").await;
    let ws = owner.me().await.json()["current"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let add = owner
        .invoke(AddMember {
            email: member_email.to_string(),
            role: Role::Member,
        })
        .await;
    assert_eq!(add.status, StatusCode::OK, "{}", add.body);
    let again = owner
        .invoke(AddMember {
            email: member_email.to_string(),
            role: Role::Member,
        })
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let nobody = owner
        .invoke(AddMember {
            email: unique_email("ghost").to_string(),
            role: Role::Member,
        })
        .await;
    assert!(
        nobody.body.contains("Ask them to sign up first"),
        "{}",
        nobody.body
    );

    let sw = member
        .invoke(SwitchWorkspace {
            workspace_id: ws.parse().unwrap(),
        })
        .await;
    assert_eq!(sw.status, StatusCode::OK, "{}", sw.body);
    let me = member.me().await.json();
    assert_eq!(me["current"]["id"], ws.as_str());
    assert_eq!(me["current"]["role"], "Member");
    assert_eq!(me["workspaces"].as_array().unwrap().len(), 2);

    let rename = member
        .invoke(RenameWorkspace {
            name: "Hijacked".into(),
        })
        .await;
    assert_eq!(rename.status, StatusCode::FORBIDDEN, "{}", rename.body);
    let (_, third) = app.signed_up("Third").await;
    let add = member
        .invoke(AddMember {
            email: third.to_string(),
            role: Role::Member,
        })
        .await;
    assert_eq!(add.status, StatusCode::FORBIDDEN);
    let plan = member.invoke(ChangePlan { plan: Plan::Team }).await;
    assert_eq!(plan.status, StatusCode::FORBIDDEN);
    // Reading still works for members.
    let list = member.invoke(ListMembers {}).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json().as_array().unwrap().len(), 2);

    let ok = owner
        .invoke(RenameWorkspace {
            name: "Olivia & Co".into(),
        })
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(owner.me().await.json()["current"]["name"], "Olivia & Co");
    let plan = owner.invoke(ChangePlan { plan: Plan::Team }).await;
    assert_eq!(plan.status, StatusCode::OK, "{}", plan.body);
    assert_eq!(owner.me().await.json()["current"]["plan"], "Team");
}

#[tokio::test]
async fn a_workspace_always_keeps_an_owner() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Solo").await;
    let me = owner.me().await.json();
    let my_id = me["user"]["id"].as_str().unwrap().to_string();
    let demote = owner
        .invoke(ChangeMemberRole {
            user_id: my_id.parse().unwrap(),
            role: Role::Admin,
        })
        .await;
    assert_eq!(demote.status, StatusCode::CONFLICT, "{}", demote.body);
    let leave = owner
        .invoke(RemoveMember {
            user_id: my_id.parse().unwrap(),
        })
        .await;
    assert_eq!(leave.status, StatusCode::CONFLICT);

    // With a second owner, the first may step down.
    let (_, second) = app.signed_up("Second").await;
    assert_eq!(
        owner
            .invoke(AddMember {
                email: second.to_string(),
                role: Role::Owner
            })
            .await
            .status,
        StatusCode::OK
    );
    let demote = owner
        .invoke(ChangeMemberRole {
            user_id: my_id.parse().unwrap(),
            role: Role::Admin,
        })
        .await;
    assert_eq!(demote.status, StatusCode::OK, "{}", demote.body);
    // An admin cannot touch owners.
    let members = owner.invoke(ListMembers {}).await.json();
    let second_id = members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == second.as_str())
        .unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = owner
        .invoke(RemoveMember {
            user_id: second_id.parse().unwrap(),
        })
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_read_only_workspace_refuses_writes_and_allows_reads() {
    let app = spawn().await;
    let (mut owner, _) = app.signed_up("Reader").await;
    let ws: uuid::Uuid = owner.me().await.json()["current"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    app::workspaces::service::set_billing(&app.db, ws, app::types::BillingStatus::ReadOnly)
        .await
        .unwrap();

    let me = owner.me().await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["current"]["billing_status"], "ReadOnly");
    assert_eq!(owner.invoke(ListMembers {}).await.status, StatusCode::OK);
    let page = owner.get("/settings/workspace").await;
    assert_eq!(page.status, StatusCode::OK);

    let rename = owner
        .invoke(RenameWorkspace {
            name: "New name".into(),
        })
        .await;
    assert_eq!(rename.status, StatusCode::FORBIDDEN);
    assert_eq!(rename.json(), serde_json::json!("WorkspaceReadOnly"));
    let (_, other) = app.signed_up("Other").await;
    let add = owner
        .invoke(AddMember {
            email: other.to_string(),
            role: Role::Member,
        })
        .await;
    assert_eq!(add.json(), serde_json::json!("WorkspaceReadOnly"));
    assert_eq!(
        owner.me().await.json()["current"]["name"],
        "Reader's workspace"
    );
}

#[tokio::test]
async fn another_workspaces_ids_answer_not_found() {
    let app = spawn().await;
    let (mut alice, _) = app.signed_up("Alice").await;
    let (mut mallory, _) = app.signed_up("Mallory").await;
    let alice_me = alice.me().await.json();
    let alice_ws = alice_me["current"]["id"].as_str().unwrap().to_string();
    let alice_id = alice_me["user"]["id"].as_str().unwrap().to_string();

    let sw = mallory
        .invoke(SwitchWorkspace {
            workspace_id: alice_ws.parse().unwrap(),
        })
        .await;
    assert_eq!(sw.status, StatusCode::NOT_FOUND, "{}", sw.body);
    assert_ne!(
        mallory.me().await.json()["current"]["id"],
        alice_ws.as_str()
    );
    // Alice is not in Mallory's workspace: acting on her id there is "not found".
    let role = mallory
        .invoke(ChangeMemberRole {
            user_id: alice_id.parse().unwrap(),
            role: Role::Member,
        })
        .await;
    assert_eq!(role.status, StatusCode::NOT_FOUND, "{}", role.body);
    let remove = mallory
        .invoke(RemoveMember {
            user_id: alice_id.parse().unwrap(),
        })
        .await;
    assert_eq!(remove.status, StatusCode::NOT_FOUND);
    let random = mallory
        .rpc(
            "switch_workspace",
            &[("workspace_id", &uuid::Uuid::now_v7().to_string())],
        )
        .await;
    assert_eq!(random.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn cross_site_posts_to_server_functions_are_refused() {
    let app = spawn().await;
    let (c, _) = app.signed_up("Csrf").await;

    let mut evil = c.clone();
    evil.origin = Some("https://evil.example".into());
    let r = evil
        .invoke(RenameWorkspace {
            name: "Pwned".into(),
        })
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let mut none = c.clone();
    none.origin = None;
    let r = none
        .invoke(RenameWorkspace {
            name: "Pwned".into(),
        })
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "no Origin and no Sec-Fetch-Site"
    );

    let mut cross = c.clone();
    let req = axum::http::Request::post("/rpc/rename_workspace")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", ORIGIN)
        .header("sec-fetch-site", "cross-site")
        .body(axum::body::Body::from("name=Pwned"))
        .unwrap();
    assert_eq!(cross.send(req).await.status, StatusCode::FORBIDDEN);

    let mut same = c.clone();
    assert_ne!(same.me().await.json()["current"]["name"], "Pwned");
    let ok = same
        .invoke(RenameWorkspace {
            name: "Fine".into(),
        })
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}

#[tokio::test]
async fn the_sign_in_rate_limit_triggers_per_ip() {
    let app = spawn_with(|s| s.auth_rate_limit_per_minute = 3).await;
    app.align_to(60);
    let mut c = app.client();
    let email = unique_email("limited");
    for _ in 0..3 {
        let r = c
            .invoke(SignIn {
                email: email.to_string(),
                password: "wrong password".into(),
            })
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = c
        .invoke(SignIn {
            email: email.to_string(),
            password: "wrong password".into(),
        })
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.body.contains("RateLimited"));
    // Another address is not affected, and a forged X-Forwarded-For does not help.
    let mut other = app.client();
    let r = other
        .invoke(SignIn {
            email: email.to_string(),
            password: "wrong password".into(),
        })
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let req = axum::http::Request::post("/rpc/sign_in")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", ORIGIN)
        .header("x-forwarded-for", "192.0.2.77")
        .body(axum::body::Body::from(format!(
            "email={}&password=x",
            urlencode(&email)
        )))
        .unwrap();
    assert_eq!(c.send(req).await.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn changing_the_password_signs_out_other_sessions() {
    let app = spawn().await;
    let (mut laptop, email) = app.signed_up("Pat").await;
    let mut phone = app.client();
    assert_eq!(
        phone
            .invoke(SignIn {
                email: email.to_string(),
                password: PASSWORD.to_string()
            })
            .await
            .status,
        StatusCode::OK
    );
    let before = laptop.cookie.clone();

    let wrong = laptop
        .invoke(ChangePassword {
            current_password: "nope nope nope".into(),
            new_password: "a brand new passphrase".into(),
        })
        .await;
    assert_eq!(wrong.json()["Invalid"]["field"], "current_password");
    let ok = laptop
        .invoke(ChangePassword {
            current_password: PASSWORD.into(),
            new_password: "a brand new passphrase".into(),
        })
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_ne!(
        laptop.cookie, before,
        "new session id after a password change"
    );
    assert_eq!(laptop.me().await.status, StatusCode::OK);
    assert_eq!(phone.me().await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn profile_changes_validate_the_timezone() {
    let app = spawn().await;
    let (mut c, _) = app.signed_up("Zoe").await;
    let bad = c
        .invoke(UpdateProfile {
            name: "Zoe".into(),
            timezone: "Mars/Base".into(),
        })
        .await;
    assert_eq!(bad.json()["Invalid"]["field"], "timezone");
    let ok = c
        .invoke(UpdateProfile {
            name: "Zoe Q".into(),
            timezone: "Europe/Berlin".into(),
        })
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let me = c.me().await.json();
    assert_eq!(me["user"]["timezone"], "Europe/Berlin");
    assert_eq!(me["user"]["name"], "Zoe Q");
}

#[tokio::test]
async fn pages_carry_security_headers_and_a_nonce_csp() {
    let app = spawn().await;
    let mut c = app.client();
    let r = c.get("/signin").await;
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    assert!(r.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert!(r.headers.contains_key("referrer-policy"));
    assert!(
        r.body.contains("script-src 'self' 'nonce-"),
        "CSP meta with a nonce"
    );
    let big = "x".repeat(app.settings.body_limit_bytes + 10);
    let r = c
        .invoke(SignIn {
            email: big.to_string(),
            password: "x".into(),
        })
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_huge_html_user_agent_is_stored_cut_and_as_text() {
    let app = spawn().await;
    let mut c = app.client();
    let email = unique_email("ua");
    let ua = format!("<script>alert(1)</script>{}", "A".repeat(10_000));
    let body = format!(
        "name=Ua&email={}&password={}",
        urlencode(&email),
        urlencode(PASSWORD)
    );
    let req = axum::http::Request::post("/rpc/sign_up")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", ORIGIN)
        .header("user-agent", ua)
        .body(axum::body::Body::from(body))
        .unwrap();
    assert_eq!(c.send(req).await.status, StatusCode::OK);
    let user_id: uuid::Uuid = c.me().await.json()["user"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let row = sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(user_id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.user_agent.len(), 512);
}

#[tokio::test]
async fn signed_in_pages_are_not_stored_and_the_bundle_is_revalidated() {
    let app = spawn().await;
    let (mut c, _) = app.signed_up("Cache Person").await;
    let page = c.get("/entries").await;
    assert_eq!(page.headers["cache-control"], "no-store");
    // The main WASM and the lazy routes' chunks keep their names across
    // releases: a browser may keep them but must ask before using them.
    for file in ["/pkg/timether.wasm", "/pkg/split___invoices_view.wasm"] {
        let r = c.get(file).await;
        assert_eq!(r.headers["cache-control"], "no-cache", "{file}");
    }
    // A file the bundle does not have is a plain 404, not a rendered page.
    let r = c.get("/pkg/no_such_chunk.wasm").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("<html"), "{}", r.body);
}

/// Web cache deception: a page address that ends like a static file is
/// still a page. Signed out it sends the person to sign in; signed in it is
/// rendered for them and must never be stored by a shared cache.
#[tokio::test]
async fn page_paths_that_look_like_files_are_never_cacheable() {
    let app = spawn().await;
    let mut anon = app.client();
    let r = anon.get("/invoices/x.css").await;
    assert!(r.status.is_redirection(), "{}", r.status);
    assert_eq!(
        r.headers[axum::http::header::LOCATION],
        "/signin?next=%2Finvoices%2Fx.css"
    );

    let (mut c, _) = app.signed_up("Deceived Person").await;
    for path in ["/invoices/x.css", "/entries/report.js", "/settings/a.png"] {
        let r = c.get(path).await;
        assert_eq!(
            r.headers.get("cache-control").map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{path}: rendered for a signed-in person"
        );
    }
}

/// The bundle goes out precompressed where the build left copies: Brotli
/// when the browser takes it, else gzip, else the file itself; a copy left
/// from an earlier build (older than its file) is never sent.
#[tokio::test]
async fn the_bundle_is_sent_precompressed_and_never_from_a_stale_copy() {
    use tower::ServiceExt;
    let dir = tempfile::tempdir().unwrap();
    let put = |name: &str, body: &[u8]| std::fs::write(dir.path().join(name), body).unwrap();
    put("app.wasm", b"\0asm raw");
    put("app.wasm.gz", b"gzip copy");
    put("app.wasm.br", b"brotli copy");
    put("old.js", b"new build");
    put("old.js.gz", b"earlier build");
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(dir.path().join("old.js.gz"))
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();

    let service = timether_server::bundle_service(dir.path());
    let get = |path: &str, accept: Option<&str>| {
        let mut req = axum::http::Request::get(path);
        if let Some(accept) = accept {
            req = req.header("accept-encoding", accept);
        }
        let service = service.clone();
        let req = req.body(axum::body::Body::empty()).unwrap();
        async move {
            let res = service.oneshot(req).await.unwrap();
            let encoding = res
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap().to_string());
            let kind = res.headers()["content-type"].to_str().unwrap().to_string();
            let body = http_body_util::BodyExt::collect(res.into_body())
                .await
                .unwrap()
                .to_bytes();
            (encoding, kind, String::from_utf8_lossy(&body).into_owned())
        }
    };
    let (enc, kind, body) = get("/app.wasm", Some("gzip, deflate, br")).await;
    assert_eq!((enc.as_deref(), body.as_str()), (Some("br"), "brotli copy"));
    assert_eq!(kind, "application/wasm", "the copy is typed as the file");
    let (enc, _, body) = get("/app.wasm", Some("gzip")).await;
    assert_eq!((enc.as_deref(), body.as_str()), (Some("gzip"), "gzip copy"));
    let (enc, _, body) = get("/app.wasm", None).await;
    assert_eq!((enc, body.as_str()), (None, "\0asm raw"));
    // The stale copy is gone; the file itself goes out.
    assert!(!dir.path().join("old.js.gz").exists());
    let (enc, _, body) = get("/old.js", Some("gzip")).await;
    assert_eq!((enc, body.as_str()), (None, "new build"));
}

/// `scripts/precompress.sh` gives every copy its file's mode, so a server
/// running as another user than the builder can read all it is sent (brotli
/// alone wrote its copies 0600).
#[test]
fn precompressed_copies_keep_their_files_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.js");
    std::fs::write(&file, "console.log('timether');\n".repeat(50)).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/precompress.sh");
    let out = std::process::Command::new("bash")
        .arg(script)
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut copies = 0;
    for ext in ["gz", "br"] {
        let copy = dir.path().join(format!("app.js.{ext}"));
        // brotli is optional (the script then writes gzip copies only).
        if let Ok(meta) = std::fs::metadata(&copy) {
            copies += 1;
            assert_eq!(
                meta.permissions().mode() & 0o777,
                0o644,
                "{}",
                copy.display()
            );
        }
    }
    assert!(copies >= 1, "precompress wrote no copy");
}

/// The shell renders with the signed-in person and the catalogue in place.
/// The server loads them before it renders a page, so the top bar, the
/// read-only banner and the page do not each wait for one pending resource
/// in boundaries of their own: boundaries sharing a pending resource could
/// leave a page unfinished (leptos-rs/leptos#4851).
#[tokio::test]
async fn pages_render_the_signed_in_person_in_place() {
    let app = spawn().await;
    let (mut c, _) = app.signed_up("Inline Person").await;
    for path in ["/", "/entries", "/settings/workspace"] {
        let page = c.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let at = |what: &str| {
            page.body
                .find(what)
                .unwrap_or_else(|| panic!("{path}: `{what}` is on the page"))
        };
        let main = at("id=\"main\"");
        // Both come from the shell's data: in the page before its main
        // region, not in a chunk streamed after it.
        assert!(
            at("Inline Person") < main,
            "{path}: the top bar shows the person with the shell"
        );
        // The timer bar's project picker renders once the catalogue is there.
        assert!(
            at("id=\"timer-project\"") < main,
            "{path}: the catalogue arrives with the shell"
        );
    }
}
