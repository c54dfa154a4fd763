//! `twofa-sidecar serve | keygen PATH | check`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use twofa_sidecar::config::{redact_url, MailTransport, Settings};
use twofa_sidecar::db::Db;
use twofa_sidecar::email::Mailer;
use twofa_sidecar::startup::{shutdown_signal, Application};
use twofa_sidecar::telemetry::{get_subscriber, init_subscriber};

#[derive(Parser)]
#[command(
    name = "twofa-sidecar",
    version,
    about = "twofa sidecar: OTP email and WordPress user data over a signed local API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve {
        /// TOML configuration file; TWOFA_* environment variables override its keys.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Create a new site key file (32 random bytes, mode 0600); never overwrites.
    Keygen { path: PathBuf },
    /// Validate the configuration and reach the database and the mail server.
    Check {
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Keygen { path } => match twofa_core::key::SiteKey::generate(&path) {
            Ok(_) => {
                println!("created key file {} (mode 0600)", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Serve { config } => {
            let settings = match Settings::load(config.as_deref()) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("configuration error: {e}");
                    return ExitCode::FAILURE;
                }
            };
            init_subscriber(get_subscriber(&settings.log, std::io::stdout));
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("error: cannot start the runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            rt.block_on(async move {
                let app = match Application::build(&settings).await {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot start");
                        eprintln!("error: {e}");
                        return ExitCode::FAILURE;
                    }
                };
                match app.local_addr() {
                    Ok(a) => tracing::info!(address = %a, "listening"),
                    Err(e) => tracing::warn!(error = %e, "listening (address unknown)"),
                }
                match app.run_until(shutdown_signal()).await {
                    Ok(()) => {
                        tracing::info!("stopped");
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "server error");
                        ExitCode::FAILURE
                    }
                }
            })
        }
        Command::Check { config } => check(config),
    }
}

/// Prints one line per check; exit status 1 if any failed. Secrets are never printed.
fn check(config: Option<PathBuf>) -> ExitCode {
    let settings = match Settings::load(config.as_deref()) {
        Ok(s) => {
            println!("ok   configuration is valid");
            s
        }
        Err(e) => {
            println!("FAIL configuration: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = false;
    match twofa_core::key::SiteKey::load(&settings.key_file) {
        Ok(_) => println!(
            "ok   key file {} is readable and safe",
            settings.key_file.display()
        ),
        Err(e) => {
            failed = true;
            println!("FAIL key file: {e}");
        }
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            println!("FAIL cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let shown = redact_url(&settings.mysql_url);
    rt.block_on(async {
        match Db::new(&settings.mysql_url, &settings.table_prefix, 1, settings.db_timeout) {
            Ok(db) => {
                match db.ping().await {
                    Ok(()) => {
                        println!("ok   database {shown} answers");
                        if let Ok(Some(1)) = db.session_sync_wait().await {
                            println!("ok   reads are causal on a Galera cluster (wsrep_sync_wait = 1)");
                        }
                        match db.check_tables().await {
                            Ok(()) => println!(
                                "ok   tables {p}users and {p}usermeta exist",
                                p = settings.table_prefix
                            ),
                            Err(e) => {
                                failed = true;
                                println!(
                                    "FAIL tables {p}users / {p}usermeta cannot be read (wrong table_prefix or database?): {e}",
                                    p = settings.table_prefix
                                );
                            }
                        }
                    }
                    Err(e) => {
                        failed = true;
                        println!("FAIL database {shown} cannot be reached: {e}");
                    }
                }
                db.disconnect().await;
            }
            Err(e) => {
                failed = true;
                println!("FAIL database: {e}");
            }
        }
        let what = match &settings.mail {
            MailTransport::Smtp { host, port, tls, .. } => format!("SMTP server {host}:{port} (tls {tls:?})"),
            MailTransport::File { dir } => format!("outbox folder {}", dir.display()),
        };
        match Mailer::from_settings(&settings.mail, settings.mail_timeout) {
            Ok(m) => match tokio::time::timeout(settings.mail_timeout, m.check()).await {
                Ok(Ok(())) => println!("ok   {what} is usable"),
                Ok(Err(e)) => {
                    failed = true;
                    println!("FAIL {what}: {e}");
                }
                Err(_) => {
                    failed = true;
                    println!("FAIL {what}: no answer within {:?}", settings.mail_timeout);
                }
            },
            Err(e) => {
                failed = true;
                println!("FAIL mail: {e}");
            }
        }
    });
    if failed {
        ExitCode::FAILURE
    } else {
        println!("all checks passed");
        ExitCode::SUCCESS
    }
}
