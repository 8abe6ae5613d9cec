//! AI provider settings: base URL and model per provider in the store, API keys in the OS
//! keyring, and the conventional environment variables (`ANTHROPIC_API_KEY`,
//! `ANTHROPIC_BASE_URL`, `OPENAI_API_KEY`, `OPENAI_BASE_URL`) overriding both for one run.

use orbit_net::is_loopback_host;
use orbit_secrets::Sensitive;
use orbit_store::settings;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::activity::{Actor, Record};
use crate::{Error, Event, Orbit, Result};

/// An AI provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Anthropic's Messages API (Claude).
    Anthropic,
    /// OpenAI, or any OpenAI-compatible endpoint (a local model server) by its base URL.
    Openai,
}

impl Provider {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Anthropic => "anthropic",
            Provider::Openai => "openai",
        }
    }

    /// The human name.
    pub fn label(self) -> &'static str {
        match self {
            Provider::Anthropic => "Anthropic",
            Provider::Openai => "OpenAI-compatible",
        }
    }

    /// The base URL used when none is set.
    pub fn default_base_url(self) -> &'static str {
        match self {
            Provider::Anthropic => "https://api.anthropic.com",
            Provider::Openai => "https://api.openai.com/v1",
        }
    }

    /// The model used when none is set.
    pub fn default_model(self) -> &'static str {
        match self {
            Provider::Anthropic => "claude-sonnet-4-5",
            Provider::Openai => "gpt-4.1-mini",
        }
    }

    fn key_env(self) -> &'static str {
        match self {
            Provider::Anthropic => "ANTHROPIC_API_KEY",
            Provider::Openai => "OPENAI_API_KEY",
        }
    }

    fn base_url_env(self) -> &'static str {
        match self {
            Provider::Anthropic => "ANTHROPIC_BASE_URL",
            Provider::Openai => "OPENAI_BASE_URL",
        }
    }
}

impl std::str::FromStr for Provider {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "anthropic" | "claude" => Ok(Provider::Anthropic),
            "openai" | "openai-compatible" => Ok(Provider::Openai),
            other => Err(Error::invalid(format!(
                "Unknown provider {other:?}: use anthropic or openai"
            ))),
        }
    }
}

/// Values from the environment that override stored settings for one run.
#[derive(Debug, Clone, Default)]
pub struct EnvOverrides {
    /// `ANTHROPIC_API_KEY`.
    pub anthropic_api_key: Option<Sensitive<String>>,
    /// `ANTHROPIC_BASE_URL`.
    pub anthropic_base_url: Option<String>,
    /// `OPENAI_API_KEY`.
    pub openai_api_key: Option<Sensitive<String>>,
    /// `OPENAI_BASE_URL`.
    pub openai_base_url: Option<String>,
}

impl EnvOverrides {
    /// Reads the four conventional variables; empty ones count as unset.
    pub fn from_process_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self {
            anthropic_api_key: var(Provider::Anthropic.key_env()).map(Sensitive::new),
            anthropic_base_url: var(Provider::Anthropic.base_url_env()),
            openai_api_key: var(Provider::Openai.key_env()).map(Sensitive::new),
            openai_base_url: var(Provider::Openai.base_url_env()),
        }
    }

    fn key(&self, provider: Provider) -> Option<&Sensitive<String>> {
        match provider {
            Provider::Anthropic => self.anthropic_api_key.as_ref(),
            Provider::Openai => self.openai_api_key.as_ref(),
        }
    }

    fn base_url(&self, provider: Provider) -> Option<&str> {
        match provider {
            Provider::Anthropic => self.anthropic_base_url.as_deref(),
            Provider::Openai => self.openai_base_url.as_deref(),
        }
    }
}

/// One provider's settings as shown. The key itself is never included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderView {
    /// The base URL in effect.
    pub base_url: String,
    /// The model in effect.
    pub model: String,
    /// Whether a key is available (keyring or environment).
    pub has_key: bool,
    /// Whether the key comes from the environment for this run.
    pub key_from_env: bool,
    /// Whether the base URL comes from the environment for this run.
    pub base_url_from_env: bool,
}

/// Both providers' settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AiSettings {
    /// Anthropic.
    pub anthropic: ProviderView,
    /// OpenAI-compatible.
    pub openai: ProviderView,
}

/// Checks a base URL: https, or http to this computer (a local model server).
pub fn validate_base_url(url: &str) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| Error::invalid(format!("Base URL {url:?} must start with https://")))?;
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host.starts_with('[') {
        host.split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or_default().to_owned()
    };
    if host.is_empty() || authority.contains('@') {
        return Err(Error::invalid(format!(
            "Base URL {url:?} has no usable host"
        )));
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(url.to_owned()),
        "http" if is_loopback_host(&host) => Ok(url.to_owned()),
        "http" => Err(Error::invalid(format!(
            "Base URL {url:?} would send your API key unencrypted: use https:// (http is allowed only to this computer)"
        ))),
        _ => Err(Error::invalid(format!(
            "Base URL {url:?} must start with https://"
        ))),
    }
}

impl Orbit {
    fn key_entry(&self, provider: Provider) -> String {
        format!("{}/api/{}", self.profile_id, provider.as_str())
    }

    fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self.store.read(|c| settings::get(c, key))?)
    }

    /// The base URL in effect for `provider` (the environment's, the stored one, the default),
    /// without asking the keyring anything.
    pub(crate) fn provider_base_url(&self, provider: Provider) -> Result<String> {
        Ok(match self.env.base_url(provider) {
            Some(url) => url.to_owned(),
            None => self
                .setting(&format!("{}.base_url", provider.as_str()))?
                .unwrap_or_else(|| provider.default_base_url().to_owned()),
        })
    }

    fn provider_view(&self, provider: Provider) -> Result<ProviderView> {
        let env_url = self.env.base_url(provider);
        let base_url = self.provider_base_url(provider)?;
        let model = self
            .setting(&format!("{}.model", provider.as_str()))?
            .unwrap_or_else(|| provider.default_model().to_owned());
        let key_from_env = self.env.key(provider).is_some();
        // A keyring that cannot be reached shows as "no key" here; app_info reports why.
        let has_key =
            key_from_env || matches!(self.keyring.get(&self.key_entry(provider)), Ok(Some(_)));
        Ok(ProviderView {
            base_url,
            model,
            has_key,
            key_from_env,
            base_url_from_env: env_url.is_some(),
        })
    }

    /// Both providers' settings.
    pub fn ai_settings(&self) -> Result<AiSettings> {
        Ok(AiSettings {
            anthropic: self.provider_view(Provider::Anthropic)?,
            openai: self.provider_view(Provider::Openai)?,
        })
    }

    /// Sets a provider's base URL and model. `None` leaves a value as it is; an empty string
    /// resets it to the default.
    pub fn provider_update(
        &self,
        provider: Provider,
        base_url: Option<&str>,
        model: Option<&str>,
    ) -> Result<AiSettings> {
        let base_url = base_url
            .map(|u| {
                if u.trim().is_empty() {
                    Ok(String::new())
                } else {
                    validate_base_url(u)
                }
            })
            .transpose()?;
        let model = model.map(|m| m.trim().to_owned());
        if model
            .as_deref()
            .is_some_and(|m| m.contains(char::is_whitespace))
        {
            return Err(Error::invalid("Model names have no spaces"));
        }
        let now = self.now_stamp();
        let activity = self.store.write(|tx| -> Result<i64> {
            let mut changed = serde_json::Map::new();
            for (field, value) in [("base_url", &base_url), ("model", &model)] {
                let Some(value) = value else { continue };
                let key = format!("{}.{field}", provider.as_str());
                if value.is_empty() {
                    settings::remove(tx, &key)?;
                    changed.insert(field.into(), json!(null));
                } else {
                    settings::set(tx, &key, value, &now)?;
                    changed.insert(field.into(), json!(value));
                }
            }
            self.record(
                tx,
                &Record {
                    actor: Actor::User,
                    action: "settings.changed",
                    target: format!("provider:{}", provider.as_str()),
                    summary: format!("Changed the {} provider settings", provider.label()),
                    details: serde_json::Value::Object(changed),
                },
            )
        })?;
        self.emit(Event::ActivityAdded { id: activity });
        self.emit(Event::SettingsChanged);
        self.ai_settings()
    }

    /// Stores a provider's API key in the OS keyring.
    pub fn api_key_set(&self, provider: Provider, key: Sensitive<String>) -> Result<AiSettings> {
        let trimmed = Sensitive::new(key.expose().trim().to_owned());
        if trimmed.expose().is_empty() {
            return Err(Error::invalid("The API key is empty"));
        }
        if trimmed.expose().contains(char::is_whitespace) {
            return Err(Error::invalid("An API key has no spaces or line breaks"));
        }
        let activity = self.store.write(|tx| -> Result<i64> {
            let id = self.record(
                tx,
                &Record {
                    actor: Actor::User,
                    action: "api_key.set",
                    target: format!("provider:{}", provider.as_str()),
                    summary: format!("Stored the {} API key in the OS keyring", provider.label()),
                    details: json!({ "provider": provider.as_str() }),
                },
            )?;
            self.keyring.set(&self.key_entry(provider), &trimmed)?;
            Ok(id)
        })?;
        self.emit(Event::ActivityAdded { id: activity });
        self.emit(Event::SettingsChanged);
        self.ai_settings()
    }

    /// Deletes a provider's API key from the OS keyring.
    pub fn api_key_remove(&self, provider: Provider) -> Result<AiSettings> {
        let activity = self.store.write(|tx| -> Result<i64> {
            let id = self.record(
                tx,
                &Record {
                    actor: Actor::User,
                    action: "api_key.removed",
                    target: format!("provider:{}", provider.as_str()),
                    summary: format!(
                        "Removed the {} API key from the OS keyring",
                        provider.label()
                    ),
                    details: json!({ "provider": provider.as_str() }),
                },
            )?;
            self.keyring.delete(&self.key_entry(provider))?;
            Ok(id)
        })?;
        self.emit(Event::ActivityAdded { id: activity });
        self.emit(Event::SettingsChanged);
        self.ai_settings()
    }

    /// The API key to use for `provider`: the environment's for this run, else the keyring's.
    pub fn api_key(&self, provider: Provider) -> Result<Option<Sensitive<String>>> {
        if let Some(key) = self.env.key(provider) {
            return Ok(Some(key.clone()));
        }
        Ok(self.keyring.get(&self.key_entry(provider))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_must_be_https_except_to_loopback() {
        assert_eq!(
            validate_base_url("https://api.anthropic.com/")
                .ok()
                .as_deref(),
            Some("https://api.anthropic.com")
        );
        assert!(validate_base_url("http://127.0.0.1:11434/v1").is_ok());
        assert!(validate_base_url("http://localhost:8080").is_ok());
        assert!(validate_base_url("http://[::1]:8080/v1").is_ok());
        assert!(validate_base_url("http://models.example.com/v1").is_err());
        assert!(validate_base_url("http://user@127.0.0.1.evil.com/").is_err());
        assert!(validate_base_url("ftp://x").is_err());
        assert!(validate_base_url("api.openai.com").is_err());
    }
}
