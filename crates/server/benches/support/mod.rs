//! What the benchmarks share: their database, the server's readiness and
//! its memory. Each bench is its own crate and uses part of this.
#![allow(dead_code)]

use std::time::Duration;

use sea_orm::sqlx::{self, postgres::PgPoolOptions};

pub async fn ensure_database(admin: &str, url: &str) -> anyhow::Result<()> {
    let name = url
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(admin)
        .await?;
    let exists = sqlx::query("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&pool)
        .await?
        .is_some();
    if !exists {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&pool)
            .await?;
    }
    Ok(())
}

pub async fn wait_ready(client: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    for _ in 0..100 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the server did not become ready")
}

/// Resident memory of a process, in KiB (Linux).
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The machine's load averages (1, 5, 15 minutes) and core count, so a
/// figure can be read against how busy the machine was.
pub fn load_average() -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let averages: Vec<&str> = load.split_whitespace().take(3).collect();
    format!("{} on {cores} cores", averages.join(" "))
}

/// CPU time of a process (user + system), in clock ticks (USER_HZ, 100/s).
pub fn cpu_ticks(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // Fields after the command name: state is the first, utime the 12th.
            let rest = &stat[stat.rfind(')')? + 1..];
            let fields: Vec<&str> = rest.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0)
}

/// Milliseconds per tick of [`cpu_ticks`] (Linux's `USER_HZ` is 100).
pub const TICK_MS: f64 = 10.0;
