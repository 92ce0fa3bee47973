//! The storage seam. Handlers and services never know which backend they talk to: they get a
//! [`Db`] and run closures over a [`DbConn`], which is SQLite or PostgreSQL depending on the
//! configured URL. Blocking diesel calls run on the blocking thread pool, never on the async
//! executor threads.

pub mod schema;

use crate::config::DatabaseUrl;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs one statement on the concrete connection, for SQL whose dialects differ (upserts):
/// `on_backend!(conn, |c| query.execute(c))`.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Postgres($c) => $body,
        }
    };
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("blocking task failed")]
    Blocking,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Settings applied to every new SQLite connection. WAL lets readers proceed during a write;
/// `secure_delete` overwrites deleted content so it does not linger in free pages.
#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        if let DbConn::Sqlite(conn) = conn {
            conn.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                 PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
            )
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

pub type PooledConn = PooledConnection<ConnectionManager<DbConn>>;

/// A connection pool over one backend.
#[derive(Clone)]
pub struct Db {
    // Fields drop in order: the pool (and, with its last clone, its connections) before `_open`.
    pool: Pool<ConnectionManager<DbConn>>,
    backend: Backend,
    /// SQLite allows one writer at a time: write transactions of this process queue here instead
    /// of failing with SQLITE_BUSY when two deferred transactions both try to upgrade.
    write_lock: Option<Arc<Mutex<()>>>,
    /// Held for its drop: counts the pool as open until its last clone goes.
    _open: Arc<OpenPool>,
}

/// Pools of this process whose connections may still be open.
static OPEN_POOLS: (std::sync::Mutex<usize>, std::sync::Condvar) =
    (std::sync::Mutex::new(0), std::sync::Condvar::new());

/// Counts one pool as open until its last clone is gone.
struct OpenPool;

impl OpenPool {
    fn new() -> Arc<OpenPool> {
        *OPEN_POOLS.0.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        Arc::new(OpenPool)
    }
}

impl Drop for OpenPool {
    fn drop(&mut self) {
        let mut open = OPEN_POOLS.0.lock().unwrap_or_else(|e| e.into_inner());
        *open = open.saturating_sub(1);
        OPEN_POOLS.1.notify_all();
    }
}

/// Waits, at most `limit`, until every pool of the process has closed its connections: the
/// binary's last step, so that the C libraries' teardown at exit (libpq's TLS) never races a
/// thread still closing a connection. Answers whether they all closed.
pub fn wait_for_pools_closed(limit: std::time::Duration) -> bool {
    let open = OPEN_POOLS.0.lock().unwrap_or_else(|e| e.into_inner());
    let (open, _) = OPEN_POOLS
        .1
        .wait_timeout_while(open, limit, |open| *open > 0)
        .unwrap_or_else(|e| e.into_inner());
    *open == 0
}

/// Creates the SQLite file readable by its owner only (its WAL and shared-memory files inherit
/// the mode), in a directory only its owner can enter.
fn create_private_file(path: &std::path::Path) -> Result<(), DbError> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let fail =
        |e: std::io::Error| DbError::Unavailable(format!("cannot create {}: {e}", path.display()));
    if let Some(parent) = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty() && !p.exists())
    {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(fail)?;
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(fail(e)),
    }
}

/// The migrations a database has not had yet, read without applying any (`doctor`).
pub fn pending_migrations(url: &DatabaseUrl) -> Result<Vec<String>, DbError> {
    let unavailable = |e: diesel::ConnectionError| DbError::Unavailable(e.to_string());
    let migration = |e: Box<dyn std::error::Error + Send + Sync>| DbError::Migration(e.to_string());
    match url {
        DatabaseUrl::Sqlite(path) => {
            if !path.exists() {
                return Err(DbError::Unavailable(format!(
                    "there is no database at {}",
                    path.display()
                )));
            }
            let mut conn =
                SqliteConnection::establish(&path.display().to_string()).map_err(unavailable)?;
            // The server may be writing: wait for it as the pool's connections do.
            conn.batch_execute("PRAGMA busy_timeout = 10000;")?;
            conn.pending_migrations(SQLITE_MIGRATIONS)
                .map(|list| list.iter().map(|m| m.name().to_string()).collect())
                .map_err(migration)
        }
        DatabaseUrl::Postgres(url) => {
            let mut conn = PgConnection::establish(url.expose()).map_err(unavailable)?;
            conn.pending_migrations(POSTGRES_MIGRATIONS)
                .map(|list| list.iter().map(|m| m.name().to_string()).collect())
                .map_err(migration)
        }
    }
}

impl Db {
    /// Opens the pool and applies pending migrations.
    pub fn connect(url: &DatabaseUrl, max_connections: u32) -> Result<Db, DbError> {
        let (url, backend) = match url {
            DatabaseUrl::Sqlite(path) => {
                create_private_file(path)?;
                (path.display().to_string(), Backend::Sqlite)
            }
            DatabaseUrl::Postgres(url) => (url.expose().to_string(), Backend::Postgres),
        };
        let manager = ConnectionManager::<DbConn>::new(url);
        let pool = Pool::builder()
            .max_size(max_connections)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .connection_customizer(Box::new(SqlitePragmas))
            .build(manager)
            .map_err(|e| DbError::Unavailable(e.to_string()))?;
        let db = Db {
            pool,
            backend,
            write_lock: (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(()))),
            _open: OpenPool::new(),
        };
        db.migrate()?;
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn get(&self) -> Result<PooledConn, DbError> {
        self.pool
            .get()
            .map_err(|e| DbError::Unavailable(e.to_string()))
    }

    fn migrate(&self) -> Result<(), DbError> {
        let mut conn = self.get()?;
        let result = match &mut *conn {
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
            DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
        };
        result.map_err(|e| DbError::Migration(e.to_string()))
    }

    /// Runs read-only work on a pooled connection, off the async threads.
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.get()?;
            work(&mut conn)
        })
        .await
        .map_err(|_| E::from(DbError::Blocking))?
    }

    /// Runs work in one transaction: all of it is committed, or none.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write_blocking(work))
            .await
            .map_err(|_| E::from(DbError::Blocking))?
    }

    /// [`Db::write`] for code already on a blocking thread (the envelope writer).
    pub fn write_blocking<T, E, F>(&self, work: F) -> Result<T, E>
    where
        E: From<DbError> + From<diesel::result::Error>,
        F: FnOnce(&mut DbConn) -> Result<T, E>,
    {
        // Queue for the write lock before taking a connection, so that waiting writers do not
        // hold the pool's connections and starve readers.
        let _guard = match &self.write_lock {
            Some(lock) => Some(lock.lock().map_err(|_| DbError::Blocking)?),
            None => None,
        };
        let mut conn = self.get()?;
        let conn: &mut DbConn = &mut conn;
        conn.transaction(work)
    }

    /// A consistent copy of a SQLite database, taken while it is in use (`VACUUM INTO`: the copy
    /// is compacted and holds no freed pages). PostgreSQL is copied with its own tools.
    pub async fn copy_into(&self, target: &std::path::Path) -> Result<(), DbError> {
        if self.backend != Backend::Sqlite {
            return Err(DbError::Unavailable(
                "a PostgreSQL database is copied with pg_dump".into(),
            ));
        }
        let target = target
            .to_str()
            .ok_or_else(|| DbError::Unavailable("the backup path is not UTF-8".into()))?
            .replace('\'', "''");
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.get()?;
            conn.batch_execute(&format!("VACUUM INTO '{target}'"))
                .map_err(DbError::from)
        })
        .await
        .map_err(|_| DbError::Blocking)?
    }

    /// On SQLite, copies the write-ahead log into the database file and empties it, so that
    /// page images from before a deletion no longer sit in the log (with `secure_delete`, the
    /// database file itself holds zeros where deleted rows were). Nothing to do on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<(), DbError> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let _guard = match &db.write_lock {
                Some(lock) => Some(lock.lock().map_err(|_| DbError::Blocking)?),
                None => None,
            };
            let mut conn = db.get()?;
            conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")
                .map_err(DbError::from)
        })
        .await
        .map_err(|_| DbError::Blocking)?
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        self.read(|conn| conn.batch_execute("SELECT 1").map_err(DbError::from))
            .await
            .is_ok()
    }
}
