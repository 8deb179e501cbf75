//! The `onetrip` binary: `serve` runs the whole platform; `user create`, `calendar load` and
//! `catalog import` do the few things an operator needs from a shell.
//!
//! Configuration is one typed struct, read once: defaults, then a TOML file (`--config`, `ONETRIP_CONFIG`, or
//! `./onetrip.toml` if present), then environment variables, then flags. `onetrip serve` with nothing set
//! starts a working system on 127.0.0.1:8080 with SQLite in `./data/` and the demo catalog.

use clap::{Args, Parser, Subcommand};
use onetrip_app::accounts::staff::{self, NewAccount};
use onetrip_app::catalog::{self, ImportFailure};
use onetrip_app::clock::SystemClock;
use onetrip_app::{seed, Actor, App, AppConfig, AppError, FilesAt, S3Config};
use onetrip_domain::access::parse_roles;
use onetrip_domain::calendar::OfficeHours;
use onetrip_web::{AppState, WebConfig};
use serde::Deserialize;
use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "onetrip", version, about = "Onetrip 政务服务平台：最多跑一次")]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct CommonArgs {
    /// TOML configuration file.
    #[arg(long, env = "ONETRIP_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Database URL: sqlite://PATH (default sqlite://data/onetrip.sqlite) or postgres://…
    #[arg(long, env = "ONETRIP_DATABASE_URL", global = true)]
    database: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve(ServeArgs),
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Load a year's holiday notice.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Import or export the catalog.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Check the history kept by the database.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Back a SQLite installation up into a new folder while it serves: database, uploaded files, manifest.
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup folder into the configured database (a new sqlite:// file) and files folder (empty).
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "ONETRIP_LISTEN")]
    listen: Option<SocketAddr>,
    /// Do not load the demo catalog into an empty database.
    #[arg(long, env = "ONETRIP_NO_DEMO")]
    no_demo: bool,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a staff account. The password is asked for, or read from standard input with --password-stdin.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Comma-separated: admin, catalog_editor, window_staff, reviewer, hall_manager.
        #[arg(long, default_value = "admin,catalog_editor")]
        roles: String,
        /// The department code a reviewer (or window staff member) belongs to.
        #[arg(long)]
        department: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password; the account's sessions end.
    Password {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Issue a new API key for a department system (role department_system); its older keys stop working
    /// 24 hours later. The key is printed once.
    Key {
        #[arg(long)]
        username: String,
    },
    /// Disable an account (its sessions end), or enable it again with --enable.
    Disable {
        #[arg(long)]
        username: String,
        #[arg(long)]
        enable: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chains of case events and the audit log; names the first changed or removed row.
    Verify,
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Load (or replace) one year's holidays and make-up working days from a notice file.
    Load {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Import a catalog from .xlsx or .json: all of it, or nothing if any row is wrong.
    Import {
        #[arg(long)]
        file: PathBuf,
        #[arg(long)]
        reason: String,
    },
    /// Export the catalog to .xlsx or .json (by the file's extension).
    Export {
        #[arg(long)]
        file: PathBuf,
    },
}

/// The configuration file's shape; every key is optional.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    database_url: Option<String>,
    centre_name: Option<String>,
    /// e.g. "09:00-12:00,13:00-17:00"; Altay uses "10:00-14:00,15:30-19:30".
    office_hours: Option<String>,
    secure_cookies: Option<bool>,
    max_body_megabytes: Option<usize>,
    demo: Option<bool>,
    log_format: Option<String>,
    /// Folder for uploaded files (default data/files).
    files_dir: Option<PathBuf>,
    /// Share of a case's time left below which it is yellow on the supervision page (default 0.25).
    warn_share: Option<f64>,
    /// Keep files in an S3-compatible object store instead of `files_dir` (the keys come from the environment).
    s3_endpoint: Option<String>,
    s3_bucket: Option<String>,
    s3_region: Option<String>,
    /// Reverse proxies whose X-Forwarded-For header is believed, e.g. ["127.0.0.1"].
    trusted_proxies: Option<Vec<std::net::IpAddr>>,
    /// The address applicants reach the public pages at, for rating links in SMS and QR codes on notices.
    public_url: Option<String>,
    seal_key_file: Option<PathBuf>,
    webhook_private_targets: Option<bool>,
    webhook_max_attempts: Option<u32>,
    /// Departmental systems as shared data sources (`[[data_sources]]`: code, url, timeout_seconds); each
    /// one's key only from the environment, `ONETRIP_SOURCE_<CODE>_KEY`.
    #[serde(default)]
    data_sources: Vec<DataSourceFile>,
    /// The province's unified identity provider (`[unified_identity]`: display_name, issuer, client_id,
    /// scopes, id_number_claim); the client secret only from the environment, `ONETRIP_OIDC_CLIENT_SECRET`.
    unified_identity: Option<UnifiedIdentityFile>,
    /// 好差评: calendar days until an unrated case stage counts as 基本满意 (default 7).
    rating_default_days: Option<u32>,
    /// 好差评: working days to call a 差评's rater back (default 1) and to resolve it (default 15).
    rating_callback_working_days: Option<u32>,
    rating_rectify_working_days: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DataSourceFile {
    code: String,
    url: String,
    timeout_seconds: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnifiedIdentityFile {
    display_name: Option<String>,
    issuer: String,
    client_id: String,
    scopes: Option<Vec<String>>,
    id_number_claim: Option<String>,
    timeout_seconds: Option<u64>,
}

fn unified_identity(file: &UnifiedIdentityFile, public_url: &str) -> Result<onetrip_exchange::OidcConfig, String> {
    if !(file.issuer.starts_with("https://") || file.issuer.starts_with("http://")) {
        return Err("unified_identity.issuer must start with https:// (or http:// inside the network)".into());
    }
    let client_secret = std::env::var("ONETRIP_OIDC_CLIENT_SECRET")
        .map_err(|_| "unified_identity: set the client secret in ONETRIP_OIDC_CLIENT_SECRET".to_string())?;
    Ok(onetrip_exchange::OidcConfig {
        display_name: file.display_name.clone().unwrap_or_else(|| "统一身份认证".to_string()),
        issuer: file.issuer.clone(),
        client_id: file.client_id.clone(),
        client_secret,
        redirect_url: format!("{}/portal/login/oidc/callback", public_url.trim_end_matches('/')),
        scopes: file.scopes.clone().unwrap_or_else(|| ["profile", "phone", "id_card"].map(String::from).to_vec()),
        id_number_claim: file.id_number_claim.clone().unwrap_or_else(|| "id_number".to_string()),
        timeout: Duration::from_secs(file.timeout_seconds.unwrap_or(5).clamp(1, 30)),
    })
}

/// Everything the binary needs, resolved once.
struct Config {
    listen: SocketAddr,
    database_url: String,
    files: FilesAt,
    demo: bool,
    json_logs: bool,
    app: AppConfig,
    web: WebConfig,
    /// Departmental systems as data sources (their keys read from the environment).
    data_sources: Vec<onetrip_exchange::SourceConfig>,
    /// The unified identity provider, if configured (its secret read from the environment).
    unified_identity: Option<onetrip_exchange::OidcConfig>,
}

impl std::fmt::Debug for Config {
    /// Never prints the database URL, which may hold a password.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Config")
            .field("listen", &self.listen)
            .field("database", &self.database_url.split(':').next().unwrap_or_default())
            .field("demo", &self.demo)
            .field("files", &self.files)
            .finish()
    }
}

fn load_config(common: &CommonArgs, serve: Option<&ServeArgs>) -> Result<Config, String> {
    let path = common.config.clone().or_else(|| {
        let default = PathBuf::from("onetrip.toml");
        default.exists().then_some(default)
    });
    let file: FileConfig = match path {
        Some(path) => {
            let text =
                std::fs::read_to_string(&path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
            toml::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))?
        }
        None => FileConfig::default(),
    };
    let mut app = AppConfig::default();
    let mut web = WebConfig::default();
    if let Some(name) = file.centre_name {
        app.centre_name = name;
    }
    if let Some(hours) = std::env::var("ONETRIP_OFFICE_HOURS").ok().or(file.office_hours) {
        app.office_hours = OfficeHours::parse(&hours)?;
    }
    web.secure_cookies = std::env::var("ONETRIP_SECURE_COOKIES")
        .map(|value| value == "1" || value == "true")
        .unwrap_or(file.secure_cookies.unwrap_or(false));
    if let Some(share) = file.warn_share {
        if !(0.05..=0.9).contains(&share) {
            return Err(format!("warn_share must be between 0.05 and 0.9, got {share}"));
        }
        app.warn_share = share;
    }
    web.trusted_proxies = file.trusted_proxies.unwrap_or_default();
    let policy = &mut app.ratings;
    for (value, field, name, range) in [
        (file.rating_default_days, &mut policy.default_after_days, "rating_default_days", 1..=60),
        (file.rating_callback_working_days, &mut policy.callback_working_days, "rating_callback_working_days", 1..=10),
        (file.rating_rectify_working_days, &mut policy.rectify_working_days, "rating_rectify_working_days", 1..=60),
    ] {
        if let Some(value) = value {
            if !range.contains(&value) {
                return Err(format!("{name} must be between {} and {}, got {value}", range.start(), range.end()));
            }
            *field = value;
        }
    }
    // A secret: from the environment only, never from the configuration file.
    web.metrics_token = std::env::var("ONETRIP_METRICS_TOKEN").ok().filter(|token| token.len() >= 16);
    if let Some(megabytes) = file.max_body_megabytes {
        web.max_body_bytes = megabytes.clamp(1, 512) * 1024 * 1024;
    }
    let s3 = match std::env::var("ONETRIP_S3_ENDPOINT").ok().or(file.s3_endpoint) {
        None => None,
        Some(endpoint) => {
            // The keys are read from the environment only, so that they never sit in a configuration file.
            let key = |name: &str| std::env::var(name).map_err(|_| format!("{name} must be set with an S3 endpoint"));
            Some(S3Config {
                endpoint,
                bucket: std::env::var("ONETRIP_S3_BUCKET")
                    .ok()
                    .or(file.s3_bucket)
                    .ok_or("ONETRIP_S3_BUCKET (or s3_bucket) must be set with an S3 endpoint")?,
                region: std::env::var("ONETRIP_S3_REGION")
                    .ok()
                    .or(file.s3_region)
                    .unwrap_or_else(|| "us-east-1".to_string()),
                access_key: key("ONETRIP_S3_ACCESS_KEY")?,
                secret_key: key("ONETRIP_S3_SECRET_KEY")?,
            })
        }
    };
    let default_listen = SocketAddr::from(([127, 0, 0, 1], 8080));
    let files = match s3 {
        Some(s3) => FilesAt::S3(s3),
        None => FilesAt::Local(
            std::env::var_os("ONETRIP_FILES_DIR")
                .map(PathBuf::from)
                .or(file.files_dir)
                .unwrap_or_else(|| PathBuf::from("data/files")),
        ),
    };
    let listen = serve.and_then(|serve| serve.listen).or(file.listen).unwrap_or(default_listen);
    app.public_url =
        std::env::var("ONETRIP_PUBLIC_URL").ok().or(file.public_url).unwrap_or_else(|| format!("http://{listen}"));
    app.seal_key_file = std::env::var_os("ONETRIP_SEAL_KEY_FILE").map(PathBuf::from).or(file.seal_key_file);
    app.webhooks.private_targets = std::env::var("ONETRIP_WEBHOOK_PRIVATE_TARGETS")
        .ok()
        .map(|value| value == "1" || value == "true")
        .or(file.webhook_private_targets)
        .unwrap_or(false);
    if let Some(attempts) = file.webhook_max_attempts {
        if !(1..=20).contains(&attempts) {
            return Err("webhook_max_attempts must be between 1 and 20".into());
        }
        app.webhooks.max_attempts = attempts;
    }
    let mut data_sources = Vec::new();
    for source in &file.data_sources {
        let valid = !source.code.is_empty()
            && source.code.len() <= 40
            && source.code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(format!("data source code {:?}: letters, digits, - or _, at most 40", source.code));
        }
        if !(source.url.starts_with("https://") || source.url.starts_with("http://")) {
            return Err(format!(
                "data source {}: the url must start with https:// (or http:// inside the network)",
                source.code
            ));
        }
        let variable = format!("ONETRIP_SOURCE_{}_KEY", source.code.to_ascii_uppercase().replace('-', "_"));
        let key =
            std::env::var(&variable).map_err(|_| format!("data source {}: set its key in {variable}", source.code))?;
        data_sources.push(onetrip_exchange::SourceConfig {
            code: source.code.clone(),
            url: source.url.clone(),
            key: key.into_bytes(),
            timeout: Duration::from_secs(source.timeout_seconds.unwrap_or(5).clamp(1, 60)),
            failures_to_open: 3,
            open_for: Duration::from_secs(60),
        });
    }
    let unified_identity = match &file.unified_identity {
        Some(provider) => Some(unified_identity(provider, &app.public_url)?),
        None => None,
    };
    let demo = !serve.is_some_and(|serve| serve.no_demo) && file.demo.unwrap_or(true);
    // No SMS gateway is connected yet: a demonstration on this machine shows one-time codes on the page.
    // Never when the server is reachable from elsewhere or served over HTTPS, i.e. in service.
    app.show_codes_on_screen = demo && listen.ip().is_loopback() && !web.secure_cookies;
    Ok(Config {
        files,
        listen,
        database_url: common
            .database
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| "sqlite://data/onetrip.sqlite".to_string()),
        demo,
        json_logs: file.log_format.as_deref() == Some("json")
            || std::env::var("ONETRIP_LOG_FORMAT").as_deref() == Ok("json"),
        app,
        web,
        data_sources,
        unified_identity,
    })
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
    // A panic's message may quote the input that caused it (a case number, a name); log only where it
    // happened. The web edge answers the request with an internal error and its request id.
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|location| format!("{}:{}", location.file(), location.line()));
        tracing::error!(location = location.as_deref().unwrap_or("unknown"), "panic");
    }));
}

/// The application on the configured database and file store, with the shipped holiday notices loaded.
async fn open_app(config: &Config) -> Result<App, String> {
    let app = App::open(&config.database_url, &config.files, config.app.clone(), Arc::new(SystemClock)).await?;
    let years = seed::seed_calendar(&app).await.map_err(|error| format!("calendar: {error}"))?;
    if !years.is_empty() {
        tracing::info!(?years, "shipped holiday notices loaded");
    }
    Ok(app)
}

async fn serve(config: Config) -> Result<(), String> {
    let app = open_app(&config).await?;
    if config.demo {
        let count = seed::seed_demo(&app).await.map_err(|error| format!("demo data: {error}"))?;
        if count > 0 {
            tracing::info!(count, "demo catalog loaded into the empty database");
        }
    }
    let reloader = app.clone();
    tokio::spawn(async move {
        // Versions scheduled for a later date take effect, and other instances' changes are seen.
        let mut interval = tokio::time::interval(Duration::from_secs(60));
        interval.tick().await;
        loop {
            interval.tick().await;
            if let Err(error) = reloader.reload_catalog().await {
                tracing::warn!(%error, "catalog reload failed");
            }
            // 行政许可法 Art. 32: an application nobody decided on within five working days counts as accepted.
            match onetrip_app::cases::accept_overdue(&reloader).await {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "cases accepted by law"),
                Err(error) => tracing::warn!(%error, "acceptance by law failed"),
            }
            // 好差评: a case stage left unrated past the configured days counts as 基本满意.
            match onetrip_app::ratings::default_overdue(&reloader).await {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "ratings defaulted"),
                Err(error) => tracing::warn!(%error, "defaulting ratings failed"),
            }
            if let Err(error) = reloader.reload_calendar().await {
                tracing::warn!(%error, "calendar reload failed");
            }
        }
    });
    for source in &config.data_sources {
        let code = source.code.clone();
        app.register_source(&code, std::sync::Arc::new(onetrip_exchange::HttpSource::new(source.clone())?));
        tracing::info!(source = %code, "data source configured");
    }
    if let Some(provider) = &config.unified_identity {
        app.set_identity_provider(std::sync::Arc::new(onetrip_exchange::OidcProvider::new(provider.clone())?));
        tracing::info!(issuer = %provider.issuer, "unified identity login offered");
    }
    // Webhooks to department systems, beside the changes: every event committed is delivered, after a
    // restart too (ADR 0021).
    let transport: std::sync::Arc<dyn onetrip_app::events::delivery::Transport> =
        std::sync::Arc::new(onetrip_exchange::HttpTransport::new(&app.config.webhooks)?);
    let deliverer = app.clone();
    tokio::spawn(async move {
        loop {
            match onetrip_app::events::delivery::deliver_due(&deliverer, transport.clone()).await {
                Ok(0) => tokio::time::sleep(Duration::from_millis(250)).await,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "webhook delivery failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|error| format!("cannot listen on {}: {error}", config.listen))?;
    tracing::info!(address = %config.listen, database = app.backend(), "Onetrip is serving; open http://{}/", config.listen);
    let router = onetrip_web::router(AppState::new(app, config.web.clone()));
    // The peer's address reaches the handlers, for the throttles and the metrics' access rule.
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|error| format!("server: {error}"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

fn read_password(from_stdin: bool) -> Result<String, String> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|error| error.to_string())?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let first = rpassword::prompt_password("密码（至少 10 位）：").map_err(|error| error.to_string())?;
    let second = rpassword::prompt_password("再输入一次：").map_err(|error| error.to_string())?;
    if first != second {
        return Err("两次输入的密码不一致".to_string());
    }
    Ok(first)
}

/// What the operator typed wrong or what went wrong, in one line for the terminal.
fn say(error: AppError) -> String {
    match error {
        AppError::Validation(errors) => errors.to_string(),
        AppError::Internal(detail) => detail,
        other => other.to_string(),
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let config = match &cli.command {
        Command::Serve(args) => load_config(&cli.common, Some(args))?,
        _ => load_config(&cli.common, None)?,
    };
    init_logging(config.json_logs);
    match cli.command {
        Command::Serve(_) => {
            tracing::info!(?config, "configuration");
            if !config.listen.ip().is_loopback() && !config.web.secure_cookies {
                tracing::warn!(
                    "listening beyond this machine without secure cookies: serve over HTTPS and set ONETRIP_SECURE_COOKIES=1"
                );
            }
            serve(config).await
        }
        Command::User(UserCommand::Create { username, display_name, roles, department, password_stdin }) => {
            let roles = parse_roles(&roles)?;
            let password = read_password(password_stdin)?;
            let app = open_app(&config).await?;
            let account = NewAccount { username, display_name, roles, department, password };
            let user = staff::create_user(&app, account).await.map_err(say)?;
            println!(
                "已创建用户 {}（{}）",
                user.username,
                user.roles.iter().map(|role| role.label()).collect::<Vec<_>>().join("、")
            );
            Ok(())
        }
        Command::User(UserCommand::Password { username, password_stdin }) => {
            let password = read_password(password_stdin)?;
            let app = open_app(&config).await?;
            staff::set_password(&app, &username, &password).await.map_err(say)?;
            println!("已为 {username} 设置新密码，原有登录已失效");
            Ok(())
        }
        Command::User(UserCommand::Key { username }) => {
            let app = open_app(&config).await?;
            let (key, until) =
                onetrip_app::events::keys::issue(&app, &Actor::operator("cli"), &username).await.map_err(say)?;
            println!("{username} 的新 API 密钥（只显示这一次，请妥善保存）：\n{key}");
            println!(
                "原有密钥到 {} 为止仍可使用。",
                until.with_timezone(&app.config.utc_offset).format("%Y-%m-%d %H:%M")
            );
            Ok(())
        }
        Command::User(UserCommand::Disable { username, enable }) => {
            let app = open_app(&config).await?;
            staff::set_disabled(&app, &username, !enable).await.map_err(say)?;
            println!("{username} 已{}", if enable { "启用" } else { "停用，原有登录已失效" });
            Ok(())
        }
        Command::Calendar(CalendarCommand::Load { year, file }) => {
            let text =
                std::fs::read_to_string(&file).map_err(|error| format!("cannot read {}: {error}", file.display()))?;
            let app = open_app(&config).await?;
            let count =
                onetrip_app::calendar::load_notice(&app, &Actor::operator("cli"), year, &text).await.map_err(say)?;
            println!("已载入 {year} 年放假安排：{count} 个日期");
            Ok(())
        }
        Command::Catalog(CatalogCommand::Import { file, reason }) => {
            let bytes = std::fs::read(&file).map_err(|error| format!("cannot read {}: {error}", file.display()))?;
            let app = open_app(&config).await?;
            let catalog = catalog::parse_upload(bytes).map_err(problems_text)?;
            match catalog::import(&app, &Actor::operator("cli"), catalog, &reason).await {
                Ok(report) => {
                    println!("导入成功：新增 {}，调整 {}，未变 {}", report.created, report.adjusted, report.unchanged);
                    Ok(())
                }
                Err(ImportFailure::Problems(problems)) => Err(problems_text(problems)),
                Err(ImportFailure::Error(error)) => Err(say(error)),
            }
        }
        Command::Audit(AuditCommand::Verify) => {
            let app = open_app(&config).await?;
            let report = onetrip_app::audit::verify(&app).await.map_err(say)?;
            match report.first_break {
                None => {
                    println!(
                        "历史记录完整：{} 条办件记录、{} 条操作记录的哈希链都相符（另有 {} 条早于哈希链的记录未校验）",
                        report.case_events, report.audit_events, report.unchained
                    );
                    Ok(())
                }
                Some(found) => Err(format!(
                    "历史记录被改动：{} 表 id {}{}：{}",
                    found.table,
                    found.id,
                    found.case_number.map(|number| format!("（办件 {number}）")).unwrap_or_default(),
                    found.reason
                )),
            }
        }
        Command::Backup { to } => {
            let FilesAt::Local(files_dir) = &config.files else {
                return Err(
                    "文件存放在 S3 中：请用对象存储的版本功能备份文件，数据库另行备份（docs/operations.md）".into()
                );
            };
            let app = open_app(&config).await?;
            let manifest = onetrip_app::backup::backup(&app, files_dir, &to).await.map_err(say)?;
            println!(
                "已备份到 {}：{} 个办件、{} 条办件记录、{} 条操作记录、{} 个文件（{} 字节）",
                to.display(),
                manifest.cases,
                manifest.case_events,
                manifest.audit_events,
                manifest.files,
                manifest.file_bytes
            );
            Ok(())
        }
        Command::Restore { from } => {
            let Some(database) = config.database_url.strip_prefix("sqlite://") else {
                return Err(
                    "恢复只写入新的 SQLite 数据库（--database sqlite://路径）；PostgreSQL 请用 pg_restore".into()
                );
            };
            let FilesAt::Local(files_dir) = &config.files else {
                return Err("恢复的文件写入本机目录（ONETRIP_FILES_DIR），不写入 S3".into());
            };
            let manifest =
                onetrip_app::backup::restore(&from, std::path::Path::new(database), files_dir).await.map_err(say)?;
            println!("已恢复：{} 个办件、{} 个文件，与备份清单一致", manifest.cases, manifest.files);
            Ok(())
        }
        Command::Catalog(CatalogCommand::Export { file }) => {
            let app = open_app(&config).await?;
            let catalog = catalog::export(&app).await.map_err(say)?;
            let bytes = if file.extension().is_some_and(|extension| extension == "json") {
                serde_json::to_vec_pretty(&catalog).map_err(|error| error.to_string())?
            } else {
                catalog::export_xlsx(&catalog)?
            };
            std::fs::write(&file, bytes).map_err(|error| format!("cannot write {}: {error}", file.display()))?;
            println!("已导出 {} 个事项到 {}", catalog.matters.len(), file.display());
            Ok(())
        }
    }
}

fn problems_text(problems: Vec<(String, String)>) -> String {
    let mut text = format!("文件有 {} 处问题，什么都没有导入：\n", problems.len());
    for (place, message) in problems {
        text.push_str(&format!("  {place}：{message}\n"));
    }
    text
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("onetrip: {message}");
            ExitCode::FAILURE
        }
    }
}
