//! Two-factor authentication through the real router, on SQLite or
//! PostgreSQL: enrolment, the second sign-in step, replays, per-account
//! throttling, recovery codes, disabling and the admin reset
//! (security.md T1–T10, S3, S5, C4).

use crate::common::*;
use app::auth::{totp, SignIn, VerifySignIn};
use app::db::entities::{recovery_codes, two_factor};
use app::two_factor::{
    ConfirmTwoFactor, DisableTwoFactor, GetTwoFactorStatus, RegenerateRecoveryCodes, StartTwoFactor,
};
use axum::http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

fn secret_of(setup: &serde_json::Value) -> Vec<u8> {
    let grouped = setup["secret_grouped"].as_str().expect("secret");
    data_encoding::BASE32_NOPAD
        .decode(grouped.replace(' ', "").as_bytes())
        .expect("base32 secret")
}

/// Turns 2FA on for a signed-in client; returns the secret and recovery codes.
async fn enable(app: &TestApp, c: &mut Client) -> (Vec<u8>, Vec<String>) {
    let r = c
        .invoke(StartTwoFactor {
            password: PASSWORD.to_string(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers["cache-control"], "no-store");
    let setup = r.json();
    let secret = secret_of(&setup);
    assert_eq!(secret.len(), 20);
    let url = setup["otpauth_url"].as_str().unwrap();
    assert!(url.starts_with("otpauth://totp/Timether:") && url.contains("issuer=Timether"));
    assert!(setup["qr_data_uri"]
        .as_str()
        .unwrap()
        .starts_with("data:image/svg+xml;base64,"));
    let code = totp::code_at(&secret, app.now());
    let r = c
        .invoke(ConfirmTwoFactor {
            code: code.to_string(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers["cache-control"], "no-store");
    let codes: Vec<String> = r.json()["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    // The code that confirmed setup is spent: sign-ins use later steps.
    app.advance(30);
    (secret, codes)
}

/// A browser that has passed the password step and waits for a code.
async fn password_step(app: &TestApp, email: &str) -> Client {
    let mut c = app.client();
    let r = c
        .invoke(SignIn {
            email: email.to_string(),
            password: PASSWORD.to_string(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), "SecondFactor");
    assert!(c.cookie.is_none(), "no session before the second step");
    assert!(c.challenge.is_some());
    c
}

async fn second_step(c: &mut Client, method: &str, code: &str) -> Response {
    c.invoke(VerifySignIn {
        code: code.to_string(),
        method: method.to_string(),
    })
    .await
}

#[tokio::test]
async fn enrolment_stays_off_until_a_valid_code_and_ignores_client_secrets() {
    let app = spawn().await;
    let (mut c, email) = app.signed_up("Enrol").await;

    // The password comes first.
    let r = c
        .invoke(StartTwoFactor {
            password: "not it at all".into(),
        })
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["Invalid"]["field"], "password");

    let r = c
        .invoke(StartTwoFactor {
            password: PASSWORD.to_string(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let secret = secret_of(&r.json());
    let status = c.invoke(GetTwoFactorStatus {}).await.json();
    assert_eq!(status["enabled"], false, "pending is not on");

    // A secret of the attacker's choosing, sent along with its code, is ignored.
    let mine = [9u8; 20];
    let mine_b32 = totp::secret_base32(&mine);
    let r = c
        .rpc(
            "confirm_two_factor",
            &[
                ("code", &totp::code_at(&mine, app.now())),
                ("secret", &mine_b32),
            ],
        )
        .await;
    assert_ne!(r.status, StatusCode::OK, "{}", r.body);
    let r = c
        .call("confirm_two_factor", serde_json::json!({"code": "000000"}))
        .await;
    assert_ne!(r.status, StatusCode::OK);

    // A wrong code keeps 2FA off and says what to check.
    let wrong = if totp::code_at(&secret, app.now()) == "123456" {
        "654321"
    } else {
        "123456"
    };
    let r = c
        .invoke(ConfirmTwoFactor {
            code: wrong.to_string(),
        })
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("right account"), "{}", r.body);
    assert_eq!(
        c.invoke(GetTwoFactorStatus {}).await.json()["enabled"],
        false
    );
    // Still off: signing in needs only the password.
    let mut other = app.client();
    let r = other
        .invoke(SignIn {
            email: email.to_string(),
            password: PASSWORD.to_string(),
        })
        .await;
    assert_eq!(r.json(), "Done");

    let code = totp::code_at(&secret, app.now());
    let r = c
        .invoke(ConfirmTwoFactor {
            code: code.to_string(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let status = c.invoke(GetTwoFactorStatus {}).await.json();
    assert_eq!(status["enabled"], true);
    assert_eq!(status["recovery_codes_left"], 10);

    // At rest: the secret is sealed, recovery codes are digests.
    let row = two_factor::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.enabled_at.is_some())
        .unwrap();
    let sealed = row.secret_enc.unwrap();
    assert!(sealed.starts_with("v1:"));
    assert!(!sealed.contains(&totp::secret_base32(&secret)));
    let codes = r.json()["codes"].clone();
    let stored = recovery_codes::Entity::find()
        .filter(recovery_codes::Column::UserId.eq(row.user_id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 10);
    for code in codes.as_array().unwrap() {
        let code = code.as_str().unwrap();
        assert!(stored.iter().all(|s| s.code_hash != code));
    }
}

#[tokio::test]
async fn an_expired_setup_is_refused() {
    let app = spawn().await;
    let (mut c, _) = app.signed_up("Slow").await;
    let r = c
        .invoke(StartTwoFactor {
            password: PASSWORD.to_string(),
        })
        .await;
    let secret = secret_of(&r.json());
    app.advance(10 * 60 + 1);
    let r = c
        .rpc(
            "confirm_two_factor",
            &[("code", &totp::code_at(&secret, app.now()))],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("expired"), "{}", r.body);
    assert_eq!(
        c.invoke(GetTwoFactorStatus {}).await.json()["enabled"],
        false
    );
}

#[tokio::test]
async fn the_password_step_alone_grants_nothing_and_the_second_step_issues_a_new_session() {
    let app = spawn().await;
    let (mut owner, email) = app.signed_up("Gate").await;
    let (secret, _) = enable(&app, &mut owner).await;
    let old_cookie = owner.cookie.clone().unwrap();

    let mut c = password_step(&app, &email).await;
    // The challenge is not a session: every other server function says 401.
    assert_eq!(c.me().await.status, StatusCode::UNAUTHORIZED);
    for name in [
        "two_factor_status",
        "list_members",
        "get_catalog",
        "list_tags",
    ] {
        let r = c.rpc(name, &[]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{name}: {}", r.body);
    }
    for name in ["current_timer", "list_invoices"] {
        let r = c.call(name, serde_json::json!({})).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{name}: {}", r.body);
    }
    let r = c
        .invoke(DisableTwoFactor {
            password: PASSWORD.to_string(),
        })
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let page = c.get("/").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    // A second step in the same browser as an existing session replaces it.
    let mut same = owner.clone();
    same.challenge = c.challenge.clone();
    let r = second_step(&mut same, "app", &totp::code_at(&secret, app.now())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let new_cookie = same.cookie.clone().unwrap();
    assert_ne!(new_cookie, old_cookie, "a new session id after 2FA");
    assert!(same.challenge.is_none(), "the challenge cookie is cleared");
    assert_eq!(same.me().await.status, StatusCode::OK);
    owner.cookie = Some(old_cookie);
    assert_eq!(owner.me().await.status, StatusCode::UNAUTHORIZED);

    // The challenge is used up.
    app.advance(30);
    let r = second_step(&mut c, "app", &totp::code_at(&secret, app.now())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["Invalid"]["field"], "challenge");

    // A challenge also expires.
    let mut late = password_step(&app, &email).await;
    app.advance(5 * 60 + 1);
    let r = second_step(&mut late, "app", &totp::code_at(&secret, app.now())).await;
    assert_eq!(r.json()["Invalid"]["field"], "challenge", "{}", r.body);
}

#[tokio::test]
async fn codes_are_accepted_once_and_older_steps_after_newer_ones_are_refused() {
    let app = spawn().await;
    let (mut owner, email) = app.signed_up("Replay").await;
    let (secret, _) = enable(&app, &mut owner).await;
    app.align_to_step();

    let code = totp::code_at(&secret, app.now());
    let mut a = password_step(&app, &email).await;
    assert_eq!(
        second_step(&mut a, "app", &code).await.status,
        StatusCode::OK
    );
    let mut b = password_step(&app, &email).await;
    let r = second_step(&mut b, "app", &code).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "replay: {}",
        r.body
    );
    assert!(r.body.contains("latest code"), "{}", r.body);

    // A t+1 code, then the t code (still inside the drift window): refused.
    let next = totp::code_at(&secret, app.now() + 30);
    let mut c = password_step(&app, &email).await;
    assert_eq!(
        second_step(&mut c, "app", &next).await.status,
        StatusCode::OK
    );
    app.advance(30);
    let prev = totp::code_at(&secret, app.now() - 30);
    let mut d = password_step(&app, &email).await;
    let r = second_step(&mut d, "app", &prev).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_submits_of_one_code_let_exactly_one_through() {
    let app = spawn().await;
    let (mut owner, email) = app.signed_up("Race").await;
    let (secret, _) = enable(&app, &mut owner).await;
    app.align_to_step();
    let code = totp::code_at(&secret, app.now());
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(password_step(&app, &email).await);
    }
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|mut c| {
            let code = code.clone();
            tokio::spawn(async move { second_step(&mut c, "app", &code).await.status })
        })
        .collect();
    let mut passed = 0;
    for t in tasks {
        if t.await.unwrap() == StatusCode::OK {
            passed += 1;
        }
    }
    assert_eq!(passed, 1, "exactly one of the parallel submits passes");
}

#[tokio::test]
async fn the_fourth_wrong_code_locks_the_account_even_from_a_new_ip_and_even_if_right() {
    let app = spawn().await;
    let (mut owner, email) = app.signed_up("Lock").await;
    let (secret, _) = enable(&app, &mut owner).await;
    app.align_to_step();
    let right = totp::code_at(&secret, app.now());
    let wrong = if right == "111111" {
        "222222"
    } else {
        "111111"
    };

    let mut attacker = password_step(&app, &email).await;
    for _ in 0..3 {
        let r = second_step(&mut attacker, "app", wrong).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    }
    // Another browser on another IP, with the right code: still locked.
    let mut owner_again = password_step(&app, &email).await;
    assert_ne!(owner_again.ip, attacker.ip);
    let r = second_step(&mut owner_again, "app", &right).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let err: app::error::AppError = serde_json::from_str(&r.body).unwrap();
    assert!(
        matches!(err, app::error::AppError::SecondFactorLocked { retry_after_secs } if retry_after_secs <= 30)
    );
    assert!(err.to_string().contains("clock"), "{err}");
    // Recovery codes are behind the same lock.
    let r = second_step(&mut owner_again, "recovery", "aaaa-bbbb-cccc-dddd").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);

    // The next step opens it again.
    app.advance(30);
    let r = second_step(&mut owner_again, "app", &totp::code_at(&secret, app.now())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn recovery_codes_work_once_and_regenerating_kills_the_old_set() {
    let app = spawn().await;
    let (mut owner, email) = app.signed_up("Recover").await;
    let (_, codes) = enable(&app, &mut owner).await;

    let mut c = password_step(&app, &email).await;
    let typed = codes[0].to_uppercase().replace('-', " ");
    let r = second_step(&mut c, "recovery", &typed).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let status = c.invoke(GetTwoFactorStatus {}).await.json();
    assert_eq!(status["recovery_codes_left"], 9);

    let mut again = password_step(&app, &email).await;
    let r = second_step(&mut again, "recovery", &codes[0]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("already used"), "{}", r.body);

    let r = c
        .rpc(
            "regenerate_recovery_codes",
            &[("password", "wrong password")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .invoke(RegenerateRecoveryCodes {
            password: PASSWORD.to_string(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers["cache-control"], "no-store");
    let fresh = r.json()["codes"][0].as_str().unwrap().to_string();
    let r = second_step(&mut again, "recovery", &codes[1]).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "old set is dead"
    );
    let r = second_step(&mut again, "recovery", &fresh).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn enabling_and_disabling_sign_out_other_sessions_and_disabling_needs_the_password() {
    let app = spawn().await;
    let (mut laptop, email) = app.signed_up("Devices").await;
    let mut phone = app.client();
    let r = phone
        .invoke(SignIn {
            email: email.to_string(),
            password: PASSWORD.to_string(),
        })
        .await;
    assert_eq!(r.json(), "Done");
    let laptop_before = laptop.cookie.clone();

    let (secret, _) = enable(&app, &mut laptop).await;
    assert_ne!(
        laptop.cookie, laptop_before,
        "new session id for this browser"
    );
    assert_eq!(laptop.me().await.status, StatusCode::OK);
    assert_eq!(
        phone.me().await.status,
        StatusCode::UNAUTHORIZED,
        "other session ended"
    );

    // The phone signs in again with both factors.
    let mut phone = password_step(&app, &email).await;
    let r = second_step(&mut phone, "app", &totp::code_at(&secret, app.now())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let r = laptop
        .invoke(DisableTwoFactor {
            password: "not my password".into(),
        })
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        laptop.invoke(GetTwoFactorStatus {}).await.json()["enabled"],
        true
    );

    let before = laptop.cookie.clone();
    let r = laptop
        .invoke(DisableTwoFactor {
            password: PASSWORD.to_string(),
        })
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_ne!(laptop.cookie, before);
    assert_eq!(phone.me().await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        laptop.invoke(GetTwoFactorStatus {}).await.json()["enabled"],
        false
    );
    let user_id: uuid::Uuid = laptop.me().await.json()["user"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let codes_left = recovery_codes::Entity::find()
        .filter(recovery_codes::Column::UserId.eq(user_id))
        .all(&app.db)
        .await
        .unwrap();
    assert!(codes_left.is_empty(), "recovery codes deleted");
    assert!(
        two_factor::Entity::find_by_id(user_id)
            .one(&app.db)
            .await
            .unwrap()
            .is_none(),
        "secret deleted"
    );

    let mut fresh = app.client();
    let r = fresh
        .invoke(SignIn {
            email: email.to_string(),
            password: PASSWORD.to_string(),
        })
        .await;
    assert_eq!(r.json(), "Done", "password alone again");
}

#[tokio::test]
async fn an_administrator_can_reset_2fa_for_a_lost_device() {
    let app = spawn().await;
    let (mut c, email) = app.signed_up("Lost").await;
    let user_id: uuid::Uuid = c.me().await.json()["user"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    enable(&app, &mut c).await;
    let was_on = app::two_factor::service::reset(&app.db, &email, chrono::Utc::now())
        .await
        .unwrap();
    assert!(was_on);
    assert_eq!(
        c.me().await.status,
        StatusCode::UNAUTHORIZED,
        "sessions ended"
    );
    let mut again = app.client();
    let r = again
        .invoke(SignIn {
            email: email.to_string(),
            password: PASSWORD.to_string(),
        })
        .await;
    assert_eq!(r.json(), "Done");
    assert!(two_factor::Entity::find_by_id(user_id)
        .one(&app.db)
        .await
        .unwrap()
        .is_none());
    let codes = recovery_codes::Entity::find()
        .filter(recovery_codes::Column::UserId.eq(user_id))
        .all(&app.db)
        .await
        .unwrap();
    assert!(codes.is_empty());
}
