//! Profile → Sessions through its server functions, on SQLite or
//! PostgreSQL: the list (browser, system, device, address, activity),
//! Revoke, "Log Out Other Sessions", and who may end which session.

use crate::common::*;
use app::active_sessions::{ListSessions, LogOutOtherSessions, RevokeSession};
use app::auth::SignIn;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.85 Safari/537.36";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

/// Signs `email` in from a new browser sending `user_agent`.
async fn sign_in_from(app: &TestApp, email: &str, user_agent: &str) -> Client {
    let mut c = app.client();
    let body = format!(
        "email={}&password={}",
        urlencode(email),
        urlencode(PASSWORD)
    );
    let req = Request::post("/rpc/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::ORIGIN, ORIGIN)
        .header(header::USER_AGENT, user_agent)
        .body(Body::from(body))
        .unwrap();
    let r = c.send(req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(c.cookie.is_some());
    c
}

fn sessions(v: &Value) -> Vec<Value> {
    v.as_array().unwrap().clone()
}

#[tokio::test]
async fn people_see_their_sessions_and_end_the_ones_they_choose() {
    let app = spawn().await;
    let (_, email) = app.signed_up("Sasha").await;
    let mut laptop = sign_in_from(&app, &email, CHROME).await;
    let mut phone = sign_in_from(&app, &email, IPHONE).await;
    // Markup in a User-Agent is stored cut to 512 bytes and never shown as
    // a browser name.
    let hostile = format!("<img src=x onerror=alert(1)>{}", "A".repeat(10_000));
    let mut odd = sign_in_from(&app, &email, &hostile).await;

    let list = laptop.invoke(ListSessions {}).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.headers[header::CACHE_CONTROL], "no-store");
    let list = sessions(&list.json());
    // Sign-up's session, the laptop, the phone and the odd one.
    assert_eq!(list.len(), 4, "{list:?}");
    assert_eq!(list[0]["current"], true, "this device comes first");
    assert_eq!(list[0]["browser"], "Chrome 131");
    assert_eq!(list[0]["device"], "Computer");
    assert_eq!(list[0]["last_active"], "Active now");
    assert_eq!(list[0]["ip"], laptop.ip.ip().to_string());
    assert!(list[1..].iter().all(|s| s["current"] == false));
    let phone_row = list.iter().find(|s| s["browser"] == "Safari 17").unwrap();
    assert_eq!(phone_row["device"], "Phone");
    let odd_row = list
        .iter()
        .find(|s| s["ip"] == odd.ip.ip().to_string())
        .unwrap();
    assert_eq!(odd_row["browser"], "Unknown browser");
    assert!(!list.iter().any(|s| s.to_string().contains("<img")));
    // No token digest reaches the browser.
    assert!(list.iter().all(|s| s.get("token_hash").is_none()));

    // Revoke the phone: its very next request is signed out.
    let r = laptop
        .invoke(RevokeSession {
            id: uuid(phone_row),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(phone.me().await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(laptop.me().await.status, StatusCode::OK);
    let r = laptop
        .invoke(RevokeSession {
            id: uuid(phone_row),
        })
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "already revoked");
    // This session is ended with Sign out, not Revoke.
    let r = laptop.invoke(RevokeSession { id: uuid(&list[0]) }).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("Sign out"), "{}", r.body);

    // Another person can neither see nor revoke these sessions.
    let (mut other, _) = app.signed_up("Mallory").await;
    let theirs = sessions(&other.invoke(ListSessions {}).await.json());
    assert_eq!(theirs.len(), 1);
    let r = other.invoke(RevokeSession { id: uuid(odd_row) }).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(odd.me().await.status, StatusCode::OK);
    let r = other.invoke(LogOutOtherSessions {}).await;
    assert_eq!(r.json(), json!(0));
    assert_eq!(odd.me().await.status, StatusCode::OK);

    // Log Out Other Sessions: everything but this browser.
    let r = laptop.invoke(LogOutOtherSessions {}).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), json!(2), "sign-up's session and the odd one");
    assert_eq!(odd.me().await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(laptop.me().await.status, StatusCode::OK);
    let left = sessions(&laptop.invoke(ListSessions {}).await.json());
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["current"], true);

    // Signed out, the list is refused.
    let mut anon = app.client();
    let r = anon.invoke(ListSessions {}).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_revoked_session_is_refused_by_a_second_instance_at_once() {
    let app = spawn().await;
    let (_, email) = app.signed_up("Ines").await;
    let mut a = sign_in_from(&app, &email, CHROME).await;
    let mut b = sign_in_from(&app, &email, IPHONE).await;
    // A second server on the same database (another process in
    // production) serves b from now on.
    let db2 = connect(&app.url).await;
    let options = leptos::prelude::LeptosOptions::builder()
        .output_name("timether")
        .build();
    b.router = timether_server::router(db2, app.settings.clone(), options);
    assert_eq!(b.me().await.status, StatusCode::OK);
    let list = sessions(&a.invoke(ListSessions {}).await.json());
    let b_row = list.iter().find(|s| s["browser"] == "Safari 17").unwrap();
    let r = a.invoke(RevokeSession { id: uuid(b_row) }).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(b.me().await.status, StatusCode::UNAUTHORIZED);
}

/// SQLite's direct read path for the session check and the sea-orm path
/// read the same session the same way: in a workspace, after leaving it,
/// revoked, and for a disabled account.
#[tokio::test]
async fn the_direct_sqlite_session_read_agrees_with_sea_orm() {
    use app::auth::sessions::{authenticate, Presented};
    use app::db::entities::{memberships, sessions as session_rows, users};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

    let app = spawn().await;
    let Some(reads) = app::db::direct::SqliteReads::for_url(&app.url) else {
        assert!(is_postgres(), "a SQLite file must get the direct path");
        return;
    };
    let (c, email) = app.signed_up("Direct Dana").await;
    let cookie = c.cookie.clone().unwrap();
    let token = cookie.split_once('=').unwrap().1.to_string();
    let now = chrono::Utc::now();
    let both = || async {
        let direct = authenticate(&app.db, Some(&reads), &app.settings, &token, now)
            .await
            .unwrap();
        let orm = authenticate(&app.db, None, &app.settings, &token, now)
            .await
            .unwrap();
        assert_eq!(format!("{direct:?}"), format!("{orm:?}"));
        direct
    };

    let s = both().await.live().expect("a live session");
    assert_eq!(s.email, email);
    assert_eq!(s.name, "Direct Dana");
    let scope = s.scope.clone().expect("a scope in the personal workspace");
    assert_eq!(Some(scope.workspace_id), s.current_workspace_id);
    assert_eq!(format!("{:?}", scope.role), "Owner");

    // Out of the workspace: still signed in, with no scope there.
    memberships::Entity::delete_many()
        .filter(memberships::Column::UserId.eq(s.user_id))
        .exec(&app.db)
        .await
        .unwrap();
    let s2 = both().await.live().expect("still signed in");
    assert!(s2.scope.is_none());

    // A disabled account, then a revoked session: signed out either way.
    users::Entity::update(users::ActiveModel {
        id: Set(s.user_id),
        disabled_at: Set(Some(now)),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap();
    assert!(matches!(both().await, Presented::Ended));
    users::Entity::update(users::ActiveModel {
        id: Set(s.user_id),
        disabled_at: Set(None),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap();
    assert!(both().await.live().is_some());
    session_rows::Entity::update_many()
        .col_expr(
            session_rows::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(session_rows::Column::Id.eq(s.session_id))
        .exec(&app.db)
        .await
        .unwrap();
    // Revoked is told apart, so the sign-in page can say so.
    assert!(matches!(both().await, Presented::Revoked));
    // An unknown token finds nothing on either path.
    let other = authenticate(
        &app.db,
        Some(&reads),
        &app.settings,
        "x".repeat(43).as_str(),
        now,
    )
    .await
    .unwrap();
    assert!(matches!(other, Presented::Unknown));
}

/// Each session shows where it signed in from, looked up offline when it
/// was created: "Local network" for private addresses, a country (and city
/// where the database has one) from the `geoip-database` file, and
/// "Unknown location" without one. The test reads the free database that
/// `make toolchain` installs (TIMETHER_TEST_GEOIP_DATABASE, set by make).
#[tokio::test]
async fn sessions_show_where_they_signed_in_from() {
    let path = std::env::var("TIMETHER_TEST_GEOIP_DATABASE").expect(
        "TIMETHER_TEST_GEOIP_DATABASE names a .mmdb file: run the suites through make, which installs one",
    );
    let app = spawn_with(|s| {
        s.geoip_database = Some(path.clone().into());
        s.resolve_geoip().expect("the test geoip database opens");
    })
    .await;
    let (mut local, email) = app.signed_up("Traveller").await;
    let mut abroad = app.client();
    abroad.ip = "8.8.8.8:40000".parse().unwrap();
    let r = abroad
        .invoke(SignIn {
            email: email.to_string(),
            password: PASSWORD.to_string(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = sessions(&local.invoke(ListSessions {}).await.json());
    let at = |ip: &str| {
        list.iter()
            .find(|s| s["ip"] == ip)
            .map(|s| s["location"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(at(&local.ip.ip().to_string()), "Local network");
    assert_eq!(at("8.8.8.8"), "United States");

    // Without a database: unknown, never a guess.
    let plain = spawn().await;
    let (_, email) = plain.signed_up("Homebody").await;
    let mut far = plain.client();
    far.ip = "8.8.4.4:40000".parse().unwrap();
    let r = far
        .invoke(SignIn {
            email: email.to_string(),
            password: PASSWORD.to_string(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = sessions(&far.invoke(ListSessions {}).await.json());
    let row = list.iter().find(|s| s["ip"] == "8.8.4.4").unwrap();
    assert_eq!(row["location"], "Unknown location");
}
