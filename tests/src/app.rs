//! The application under test: the real server in-process on random ports, and the requests
//! tests make of it.

use super::*;

/// Reads a whole response into an [`Answer`].
async fn answer<S>(mut response: awc::ClientResponse<S>) -> Answer
where
    S: futures_util::Stream<Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>>
        + Unpin,
{
    let raw = response
        .body()
        .limit(16 * 1024 * 1024)
        .await
        .expect("a readable body")
        .to_vec();
    Answer {
        status: response.status(),
        headers: response.headers().clone(),
        body: serde_json::from_slice(&raw).unwrap_or(Value::Null),
        raw,
    }
}

pub struct TestApp {
    pub backend: Backend,
    pub public: String,
    pub admin: String,
    pub client: awc::Client,
    pub clock: Arc<ManualClock>,
    pub state: actix_web::web::Data<AppState>,
    pub setup_token: Option<String>,
    pub data_dir: PathBuf,
    pub services: Option<SharedServices>,
    stop: StopHandle,
}

/// An HTTP answer: status and JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Value,
    pub raw: Vec<u8>,
}

impl Answer {
    /// The error code of an error answer.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_value(self.body.clone())
            .unwrap_or_else(|e| panic!("unexpected body ({}): {e}: {}", self.status, self.body))
    }

    #[track_caller]
    pub fn expect(self, status: u16) -> Answer {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected answer: {}",
            self.body
        );
        self
    }
}

/// An administrator with the seed of their authenticator app.
#[derive(Clone, Debug)]
pub struct AdminLogin {
    pub handle: String,
    pub passphrase: String,
    pub totp_secret: Option<String>,
    /// Handed out when the second factor was confirmed.
    pub recovery_codes: Vec<String>,
    pub session: SessionGrant,
}

pub const PASSPHRASE: &str = "a long enough passphrase";

impl TestApp {
    /// A fresh server on `backend`, or `None` when that backend is not available (see module doc).
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Like [`TestApp::spawn`], with configuration changes.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let (mut config, services) = match backend {
            Backend::Sqlite => (base_config(&scratch_dir()), None),
            Backend::Postgres => {
                let services = SharedServices::create()?;
                (services.config(), Some(services))
            }
        };
        adjust(&mut config);
        Some(Self::start(backend, config, services).await)
    }

    /// Starts an instance with this configuration (scale-out tests start several).
    pub async fn start(
        backend: Backend,
        config: Config,
        services: Option<SharedServices>,
    ) -> TestApp {
        capture_logs();
        let clock = ManualClock::starting_now();
        let data_dir = config.data_dir.clone();
        // With the console mounted, as the `quietline` binary serves it.
        let app = Application::build_with(
            config,
            clock.clone(),
            false,
            Some(quietline_admin::console::configure),
        )
        .await
        .expect("the server starts");
        let public = format!("http://{}", app.public_addr());
        let admin = format!("http://{}", app.admin_addr());
        let state = app.state();
        let setup_token = app.setup_token().map(str::to_string);
        let stop = app.stop_handle();
        actix_web::rt::spawn(app.run_until_stopped());
        TestApp {
            backend,
            public,
            admin,
            // As an API client does; a browser's requests are made by `browser_get`.
            client: awc::Client::builder()
                .add_default_header(("Accept", "application/json"))
                .timeout(std::time::Duration::from_secs(30))
                .finish(),
            clock,
            state,
            setup_token,
            data_dir,
            services,
            stop,
        }
    }

    pub fn url(&self, listener: Listener, path: &str) -> String {
        match listener {
            Listener::Public => format!("{}{path}", self.public),
            Listener::Admin => format!("{}{path}", self.admin),
        }
    }

    /// Writes `bytes` to a new connection to `listener` as they are, half-closes it unless
    /// `keep_writing_open`, and reads what the server writes until it closes the connection.
    pub async fn raw_exchange(
        &self,
        listener: Listener,
        bytes: &[u8],
        keep_writing_open: bool,
    ) -> Vec<u8> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let address = self
            .url(listener, "")
            .trim_start_matches("http://")
            .to_string();
        let mut stream = tokio::net::TcpStream::connect(address)
            .await
            .expect("the listener accepts");
        stream
            .write_all(bytes)
            .await
            .expect("the request is written");
        if !keep_writing_open {
            stream.shutdown().await.expect("the writing half closes");
        }
        let mut answer = Vec::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(60),
            stream.read_to_end(&mut answer),
        )
        .await
        .expect("the server closes the connection")
        .expect("the answer is read");
        answer
    }

    /// Sends a request; `body` is sent as JSON when present.
    pub async fn call(
        &self,
        method: &str,
        listener: Listener,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        self.call_with_headers(method, listener, path, token, body, &[])
            .await
    }

    /// [`TestApp::call`] with extra request headers.
    pub async fn call_with_headers(
        &self,
        method: &str,
        listener: Listener,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let method =
            actix_web::http::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let mut request = self.client.request(method, self.url(listener, path));
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        let response = match body {
            Some(body) => request.send_json(body).await,
            None => request.send().await,
        };
        answer(response.expect("the server answers")).await
    }

    /// A request with a body that is not JSON (a CSV import), of the given media type.
    pub async fn call_raw(
        &self,
        method: &str,
        listener: Listener,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Answer {
        let method =
            actix_web::http::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let mut request = self
            .client
            .request(method, self.url(listener, path))
            .insert_header(("Content-Type", content_type));
        if let Some(token) = token {
            request = request.insert_header(("Authorization", format!("Bearer {token}")));
        }
        answer(request.send_body(body).await.expect("the server answers")).await
    }

    /// Asks for a WebSocket upgrade over plain HTTP, to read a refusal's status and headers.
    pub async fn websocket_upgrade(&self, token: &str) -> Answer {
        let headers = [
            ("Connection", "Upgrade"),
            ("Upgrade", "websocket"),
            ("Sec-WebSocket-Version", "13"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ];
        self.call_with_headers(
            "GET",
            Listener::Public,
            "/v1/websocket",
            Some(token),
            None,
            &headers,
        )
        .await
    }

    pub async fn get(&self, listener: Listener, path: &str, token: Option<&str>) -> Answer {
        self.call("GET", listener, path, token, None).await
    }

    pub async fn post(
        &self,
        listener: Listener,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> Answer {
        self.call("POST", listener, path, token, Some(&body)).await
    }

    /// A solved sign-up body: what a seeker's app sends.
    pub async fn solved_signup(&self) -> Value {
        let challenge: Challenge = self
            .post(Listener::Public, "/v1/signup/challenge", None, json!({}))
            .await
            .expect(200)
            .json();
        let bytes = URL_SAFE_NO_PAD
            .decode(&challenge.challenge)
            .expect("base64url challenge");
        let solution = quietline_protocol::pow::solve(&bytes, challenge.bits);
        json!({ "challenge": challenge.challenge, "solution": solution })
    }

    pub async fn sign_up_seeker(&self) -> SessionGrant {
        let body = self.solved_signup().await;
        self.post(Listener::Public, "/v1/seekers", None, body)
            .await
            .expect(200)
            .json()
    }

    /// The current code of an authenticator app holding `secret` (base32).
    pub fn totp_code(&self, secret: &str) -> String {
        let seed = totp_rs::Secret::Encoded(secret.to_string())
            .to_bytes()
            .expect("base32 secret");
        totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, seed)
            .expect("valid TOTP")
            .generate(u64::try_from(self.clock.now()).unwrap())
    }

    /// Creates the first instance administrator with the setup token.
    pub async fn set_up_root(&self) -> AdminLogin {
        let token = self
            .setup_token
            .clone()
            .expect("a fresh instance has a setup token");
        let enrolment: Enrolment = self
            .post(
                Listener::Admin,
                "/admin/v1/setup",
                None,
                json!({"setup_token": token, "handle": "root", "passphrase": PASSPHRASE, "device_name": "laptop"}),
            )
            .await
            .expect(200)
            .json();
        self.confirmed_admin("root", enrolment).await
    }

    /// An administrator who has confirmed the second factor they got at enrolment (as the
    /// instance requires before anything else), with their recovery codes. The confirmation
    /// spends the current TOTP step: a sign-in right after it needs the clock moved on.
    pub async fn confirmed_admin(&self, handle: &str, enrolment: Enrolment) -> AdminLogin {
        let secret = enrolment.totp.map(|t| t.secret.expose().to_string());
        let recovery_codes = match &secret {
            Some(secret) => {
                let codes: quietline_protocol::api::RecoveryCodes = self
                    .post(
                        Listener::Admin,
                        "/admin/v1/totp/confirm",
                        Some(enrolment.session.access_token.expose()),
                        json!({"code": self.totp_code(secret)}),
                    )
                    .await
                    .expect(200)
                    .json();
                codes.codes.iter().map(|c| c.expose().to_string()).collect()
            }
            None => Vec::new(),
        };
        AdminLogin {
            handle: handle.into(),
            passphrase: PASSPHRASE.into(),
            totp_secret: secret,
            recovery_codes,
            session: enrolment.session,
        }
    }

    pub async fn create_organisation(&self, admin: &AdminLogin, name: &str) -> Organisation {
        self.post(
            Listener::Admin,
            "/admin/v1/organisations",
            Some(admin.session.access_token.expose()),
            json!({"name": name, "default_language": "en"}),
        )
        .await
        .expect(200)
        .json()
    }

    pub async fn invite(&self, admin: &AdminLogin, organisation_id: &str, role: Role) -> String {
        let answer = self
            .post(
                Listener::Admin,
                &format!("/admin/v1/organisations/{organisation_id}/invites"),
                Some(admin.session.access_token.expose()),
                json!({"role": role}),
            )
            .await
            .expect(200);
        answer.body["code"]
            .as_str()
            .expect("an invite code")
            .to_string()
    }

    /// A worker of the organisation, invited by `admin`, speaking `languages`.
    pub async fn enrol_worker(
        &self,
        admin: &AdminLogin,
        organisation_id: &str,
        handle: &str,
        languages: &[&str],
    ) -> SessionGrant {
        let code = self.invite(admin, organisation_id, Role::Worker).await;
        let enrolment: Enrolment = self
            .post(
                Listener::Public,
                "/v1/invites/accept",
                None,
                json!({"code": code, "handle": handle, "passphrase": PASSPHRASE, "languages": languages, "device_name": "phone"}),
            )
            .await
            .expect(200)
            .json();
        enrolment.session
    }

    /// An administrator of the organisation, invited by `admin`.
    pub async fn enrol_admin(
        &self,
        admin: &AdminLogin,
        organisation_id: &str,
        handle: &str,
    ) -> AdminLogin {
        let code = self.invite(admin, organisation_id, Role::Admin).await;
        let enrolment: Enrolment = self
            .post(
                Listener::Admin,
                "/admin/v1/invites/accept",
                None,
                json!({"code": code, "handle": handle, "passphrase": PASSPHRASE, "device_name": "laptop"}),
            )
            .await
            .expect(200)
            .json();
        self.confirmed_admin(handle, enrolment).await
    }

    /// A seeker signed up (plain HTTP, no keys) through the entry point with this code.
    pub async fn seeker_through(&self, code: &str) -> SessionGrant {
        let mut body = self.solved_signup().await;
        body["entry_point"] = json!(code);
        self.post(Listener::Public, "/v1/seekers", None, body)
            .await
            .expect(200)
            .json()
    }

    /// A seeker (reference client) who came through a new entry point of `organisation_id`, in an
    /// active conversation with `worker`: opened by the seeker, claimed by the worker.
    pub async fn seeker_in_conversation_with(
        &self,
        admin: &AdminLogin,
        organisation_id: &str,
        worker: &quietline_protocol::client::Client,
    ) -> quietline_protocol::client::Client {
        let entry = self
            .post(
                Listener::Admin,
                &format!("/admin/v1/organisations/{organisation_id}/entry-points"),
                Some(admin.session.access_token.expose()),
                json!({"label": "poster", "default_language": "tl", "topics": ["work"]}),
            )
            .await
            .expect(200);
        let code = entry.body["code"].as_str().expect("an entry point code");
        let seeker =
            quietline_protocol::client::Client::sign_up_seeker_through(&self.public, Some(code))
                .await
                .expect("the seeker signs up");
        let opened = self
            .post(
                Listener::Public,
                "/v1/conversations",
                Some(seeker.session.access_token.expose()),
                json!({"languages": ["tl", "en"]}),
            )
            .await
            .expect(200);
        let id = opened.body["id"].as_str().expect("a conversation id");
        self.post(
            Listener::Public,
            &format!("/v1/conversations/{id}/claim"),
            Some(worker.session.access_token.expose()),
            json!({}),
        )
        .await
        .expect(200);
        seeker
    }

    /// Every (table, text column) in storage, read from the database's own catalogue, so that a
    /// table added later is covered without changing the tests.
    pub async fn text_columns(&self) -> Vec<(String, String)> {
        #[derive(diesel::QueryableByName)]
        struct Column {
            #[diesel(sql_type = diesel::sql_types::Text)]
            table_name: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            column_name: String,
        }
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations' \
                 AND upper(p.type) = 'TEXT'"
            }
            Backend::Postgres => {
                "SELECT table_name::text AS table_name, column_name::text AS column_name FROM information_schema.columns \
                 WHERE table_schema = 'public' AND data_type = 'text' AND table_name <> '__diesel_schema_migrations'"
            }
        };
        self.state
            .db
            .read(move |conn| {
                diesel::sql_query(sql)
                    .load::<Column>(conn)
                    .map_err(quietline_server::db::DbError::from)
            })
            .await
            .expect("reading the catalogue")
            .into_iter()
            .map(|c| (c.table_name, c.column_name))
            .collect()
    }

    /// Where `value` appears in any text column of any table: (table, column, rows).
    pub async fn rows_mentioning(&self, value: &str) -> Vec<(String, String, i64)> {
        let mut found = Vec::new();
        for (table, column) in self.text_columns().await {
            let table: &'static str = Box::leak(table.into_boxed_str());
            let column: &'static str = Box::leak(column.into_boxed_str());
            let n = self
                .count_rows(table, Some((column, value.to_string())))
                .await;
            if n > 0 {
                found.push((table.to_string(), column.to_string(), n));
            }
        }
        found
    }

    /// Rows in a table, counted directly in storage.
    pub async fn count_rows(
        &self,
        table: &'static str,
        filter: Option<(&'static str, String)>,
    ) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        self.state
            .db
            .read(move |conn| {
                let sql = match &filter {
                    Some((column, _)) => {
                        format!("SELECT COUNT(*) AS n FROM {table} WHERE {column} = $1")
                    }
                    None => format!("SELECT COUNT(*) AS n FROM {table}"),
                };
                let count = match filter {
                    Some((_, value)) => diesel::sql_query(sql)
                        .bind::<diesel::sql_types::Text, _>(value)
                        .get_result::<Count>(conn),
                    None => diesel::sql_query(sql).get_result::<Count>(conn),
                };
                count
                    .map(|c| c.n)
                    .map_err(quietline_server::db::DbError::from)
            })
            .await
            .expect("counting rows")
    }

    /// Every value of an integer column (times, mostly), for checking how finely they are kept.
    /// `table` and `column` come from the test, never from input.
    pub async fn integers(&self, table: &'static str, column: &'static str) -> Vec<i64> {
        #[derive(diesel::QueryableByName)]
        struct Value {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            v: i64,
        }
        self.state
            .db
            .read(move |conn| {
                diesel::sql_query(format!("SELECT {column} AS v FROM {table}"))
                    .load::<Value>(conn)
                    .map(|rows| rows.into_iter().map(|r| r.v).collect())
                    .map_err(quietline_server::db::DbError::from)
            })
            .await
            .expect("reading a column")
    }

    /// Everything the server has written to storage, as bytes: the SQLite file with its WAL, or a
    /// `pg_dump` of the database followed by every Redis key and value under the test's prefix.
    pub fn storage_dump(&self) -> Vec<u8> {
        match &self.state.config.database_url {
            DatabaseUrl::Sqlite(path) => {
                let mut bytes = std::fs::read(path).expect("reading the SQLite file");
                for suffix in ["-wal", "-shm"] {
                    let mut side = path.clone().into_os_string();
                    side.push(suffix);
                    bytes.extend(std::fs::read(side).unwrap_or_default());
                }
                bytes
            }
            DatabaseUrl::Postgres(url) => {
                let output = std::process::Command::new("pg_dump")
                    .arg("--no-owner")
                    .arg(url.expose())
                    .output()
                    .expect("pg_dump runs");
                assert!(
                    output.status.success(),
                    "pg_dump failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
                let mut bytes = output.stdout;
                if let Some(services) = &self.services {
                    bytes.extend(services.redis_dump().into_bytes());
                }
                bytes
            }
        }
    }

    /// Stops the listeners and waits for them.
    pub async fn stop(&self) {
        self.stop.stop(true).await;
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The stop command is sent at once; the database is dropped after (ScratchServices).
        drop(self.stop.stop(false));
        if self.services.is_none() {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}
