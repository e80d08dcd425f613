//! What every command runs with: the settings, the deployment (database, key ring, mailer,
//! template files) and the engine built from them.

use std::sync::Arc;

use otpkit::{Device, Engine, Settings, UserDirectory, UserId};

use crate::Options;
use crate::cli::Cli;
use crate::deploy::{Deployment, Store};
use crate::failure::{Failure, Res};

/// The settings and the deployment: from `options`, else from the environment, with the
/// command line's `--database-url` and `--keys-file` applied, both validated.
pub(crate) fn configure(cli: &Cli, options: &Options) -> Res<(Settings, Deployment)> {
    let input = |e: &dyn std::fmt::Display| Failure::input(e.to_string());
    let settings = match &options.settings {
        Some(s) => s.clone(),
        None => Settings::from_env().map_err(|e| input(&e))?,
    };
    let mut deployment = match &options.deployment {
        Some(d) => d.clone(),
        None => Deployment::from_env().map_err(|e| input(&e))?,
    };
    if let Some(url) = &cli.database_url {
        deployment.database_url = url.clone();
    }
    if let Some(k) = &cli.keys_file {
        deployment.secret_keys = None;
        deployment.secret_keys_file = Some(k.clone());
    }
    settings.validate().map_err(|e| input(&e))?;
    deployment.validate().map_err(|e| input(&e))?;
    Ok((settings, deployment))
}

/// The engine on an open database, and the application's user directory.
pub(crate) struct Ctx {
    pub(crate) engine: Engine,
    users: Option<Arc<dyn UserDirectory>>,
}

impl Ctx {
    /// Loads the key ring (announcing a new one on stderr), the mailer and the template
    /// files, and builds the engine on `store`.
    pub(crate) fn open(
        store: &Store,
        mut settings: Settings,
        deployment: &Deployment,
        options: &Options,
    ) -> Res<Ctx> {
        let (keys, created) = deployment
            .load_key_ring()
            .map_err(|e| Failure::internal(e.to_string()))?;
        if let Some(path) = created {
            eprintln!(
                "otpkit: created a new key ring at {} (mode 0600); back it up: without it sealed keys cannot be opened",
                path.display()
            );
        }
        let mailer = deployment
            .mailer()
            .map_err(|e| Failure::input(e.to_string()))?;
        deployment
            .read_email_templates(&mut settings.email)
            .map_err(|e| Failure::input(e.to_string()))?;
        let mut builder = Engine::builder_arc(store.device_store(), keys)
            .settings(settings)
            .mailer_arc(mailer);
        builder = crate::passkeys::register(builder);
        if let Some(users) = &options.users {
            builder = builder.user_directory_arc(users.clone());
        }
        Ok(Ctx {
            engine: builder.build()?,
            users: options.users.clone(),
        })
    }

    /// Resolves a USER argument: through the directory when there is one.
    pub(crate) async fn user(&self, name: &str) -> Res<UserId> {
        match &self.users {
            Some(dir) => {
                let found = match dir.resolve_username(name).await {
                    Some(id) => dir.lookup(&id).await.map(|_| id),
                    None => None,
                };
                found.ok_or_else(|| Failure::input(format!("User \"{name}\" does not exist.")))
            }
            None => UserId::new(name).map_err(|e| Failure::input(format!("USER: {e}"))),
        }
    }

    /// The device with this persistent id.
    pub(crate) async fn device(&self, pid: &str) -> Res<Device> {
        self.engine
            .from_persistent_id(pid)
            .await?
            .ok_or_else(|| Failure::input(format!("device {pid} not found")))
    }
}
