//! 帮办代办 on each backend: a window starts an online application for the applicant beside it, uploads
//! a material in their name and hands it over; nobody else at a window can touch it, and after the
//! handover not even the one who started it. The applicant claims the account, finds the application
//! marked as assisted, completes and submits it; the case is online (assisted) and the month's figures
//! count it as online and show it apart.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests say what they expect by panicking.

mod support;

use axum::http::{Method, StatusCode};
use onetrip_domain::access::Role;
use onetrip_domain::actor::Channel;
use onetrip_domain::case_number::CaseNumber;
use onetrip_domain::upload::samples;
use support::{TestApp, SUPERVISOR, WINDOW};

const TRANSFER: &str = "65430030010102";
const PERSON: &str = "654301198001011232";

#[tokio::test]
async fn a_window_fills_in_an_online_application_with_the_applicant_who_then_submits_it() {
    for app in TestApp::all().await {
        let backend = app.backend;
        let (window, csrf) = app.login_page(WINDOW).await;
        let form = app.get_with_cookie("/staff/assist", &window).await;
        assert_eq!(form.status, StatusCode::OK, "{backend}");
        assert!(form.text().contains("不动产转移登记"), "the window's online matters are offered");

        let start = |id: &'static str, phone: &'static str| {
            let (app, window, csrf) = (&app, window.clone(), csrf.clone());
            async move {
                app.post_form(
                    "/staff/assist",
                    &window,
                    &[
                        ("csrf_token", csrf.as_str()),
                        ("kind", "natural_person"),
                        ("id_number", id),
                        ("name", "王秀兰"),
                        ("phone", phone),
                        ("matter_code", TRANSFER),
                    ],
                )
                .await
            }
        };
        let refused = start(PERSON, "1390000").await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(refused.text().contains("id=\"error-summary\""));
        assert!(app.store().applicant_by_identity(&identity()).await.expect("query").is_none(), "nothing kept");

        let started = start(PERSON, "13900000009").await;
        assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.text());
        let page = started.location().to_string();
        let draft = page.trim_start_matches("/staff/assist/").to_string();
        let filling = app.get_with_cookie(&page, &window).await.text();
        let materials = app.state.catalog().version(TRANSFER).expect("matter").matter.materials.clone();
        assert!(filling.contains(&materials[0].name) && filling.contains("王秀兰"), "{filling}");
        let uploaded = app
            .post_multipart(
                &format!("{page}/materials/0"),
                &window,
                &[("csrf_token", csrf.as_str())],
                &[("file", "申请书.pdf", samples::PDF)],
            )
            .await;
        assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.text());
        assert!(app.get_with_cookie(&page, &window).await.text().contains("申请书.pdf"));

        // Another window's member of staff does not see it at all.
        app.add_staff("window2", vec![Role::WindowStaff], None).await;
        let (other, _) = app.login_page(("window2", "window2-password-2026")).await;
        assert_eq!(app.get_with_cookie(&page, &other).await.status, StatusCode::NOT_FOUND, "{backend}");

        let handed = app.post_form(&format!("{page}/hand-over"), &window, &[("csrf_token", csrf.as_str())]).await;
        assert_eq!(handed.status, StatusCode::OK, "{}", handed.text());
        assert!(handed.text().contains("id=\"handed-over\""));
        let after = app.get_with_cookie(&page, &window).await;
        assert_eq!(after.status, StatusCode::CONFLICT, "handed over: only the applicant changes it now");

        // The applicant claims the account the window registered, and finds the application.
        let (cookie, portal_csrf) = app.sign_up(PERSON, "王秀兰", "13900000009").await;
        let home = app.get_with_cookie("/portal", &cookie).await.text();
        assert!(home.contains(&format!("id=\"assisted-{draft}\"")), "{home}");
        for (index, material) in materials.iter().enumerate().skip(1) {
            let path = format!("/portal/drafts/{draft}/materials/{index}");
            let reply = if material.necessity == onetrip_domain::catalog::MaterialNecessity::Optional {
                app.post_multipart(&path, &cookie, &[("csrf_token", portal_csrf.as_str()), ("choice", "skip")], &[])
                    .await
            } else {
                let fields = [("csrf_token", portal_csrf.as_str()), ("choice", "upload")];
                app.post_multipart(&path, &cookie, &fields, &[("file", "扫描件.pdf", samples::PDF)]).await
            };
            assert_eq!(reply.status, StatusCode::SEE_OTHER, "{backend} material {index}: {}", reply.text());
        }
        let submitted = app
            .post_form(&format!("/portal/drafts/{draft}/submit"), &cookie, &[("csrf_token", portal_csrf.as_str())])
            .await;
        assert_eq!(submitted.status, StatusCode::SEE_OTHER, "{}", submitted.text());
        let number = submitted.location().trim_start_matches("/portal/cases/").trim_end_matches("?submitted=1");
        let case = app.store().case(&CaseNumber::parse(number).expect("number")).await.expect("query").expect("case");
        assert_eq!(case.channel, Channel::Online, "{backend}: applied for online, by the applicant");
        assert!(case.document.assisted_by.is_some(), "and the case records that a window helped");
        assert_eq!(case.document.materials[0].files.len(), 1, "the window's upload went with it");
        let staff_view = app.get_with_cookie(&format!("/staff/cases/{number}"), &window).await.text();
        assert!(staff_view.contains("帮办）"), "{staff_view}");

        // Online in the figures, and shown apart.
        let manager = app.token(SUPERVISOR).await;
        let month = app.state.today().format("%Y-%m").to_string();
        let figures =
            app.json(Method::GET, &format!("/api/v1/statistics/monthly?month={month}"), Some(&manager), None).await;
        assert_eq!(figures.status, StatusCode::OK, "{}", figures.text());
        let figures = figures.json();
        assert_eq!((figures["online"].as_u64(), figures["assisted"].as_u64()), (Some(1), Some(1)), "{figures}");
        app.finish().await;
    }
}

fn identity() -> onetrip_domain::applicant::ApplicantIdentity {
    onetrip_domain::applicant::ApplicantIdentity::parse("natural_person", PERSON).expect("valid")
}
