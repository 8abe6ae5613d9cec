//! What calendar sync asks of a CalDAV server, one request each: the calendars of the home
//! set, changes since a sync token (RFC 6578) or the ETag listing for servers without it,
//! the data of changed resources (multiget), and conditional writes (`If-None-Match: *` to
//! create, `If-Match` to update or delete) whose 412 is a conflict, not a failure.

use libdav::CalDavClient;
use libdav::caldav::{FindCalendarHomeSet, GetCalendarResources, ListCalendarResources};
use libdav::dav::{Delete, GetEtag, PutResource, SyncCollection, WebDavError};
use libdav::names;
use orbit_net::{FailureKind, NetError, error_chain};

use crate::{DavConfig, DavError, HttpClient, client};

/// A calendar collection on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteCalendar {
    /// Its path (opaque).
    pub href: String,
    /// Its display name.
    pub name: Option<String>,
    /// Its colour (`#RRGGBB` or `#RRGGBBAA`), if set.
    pub colour: Option<String>,
    /// The server offers sync-collection for it.
    pub supports_sync: bool,
}

/// A resource as listed: path and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its path (opaque).
    pub href: String,
    /// Its ETag.
    pub etag: Option<String>,
}

/// Changes since a sync token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changes {
    /// What changed and what went, and the token to ask with next time.
    Delta {
        /// Created or modified.
        changed: Vec<Listed>,
        /// Removed.
        deleted: Vec<String>,
        /// The new token.
        token: String,
    },
    /// The server no longer accepts the token (412, or 400/409/5xx from servers that say so
    /// badly): sync the whole collection again.
    TokenRejected,
    /// The server refuses sync-collection (403, 415, 501, 507): list ETags instead.
    Unsupported,
}

/// A fetched resource: its data and version, or the status the server gave for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// Its path.
    pub href: String,
    /// `(etag, data)`, or the HTTP status when the server could not give it.
    pub content: Result<(String, String), u16>,
}

/// How a conditional write ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// Done; the new ETag when the server said it.
    Done(Option<String>),
    /// 412: the resource changed (or exists) on the server meanwhile.
    Conflict,
}

/// An open connection to one account's CalDAV server.
#[derive(Debug)]
pub struct CalendarServer {
    caldav: CalDavClient<HttpClient>,
    /// The server asked: the one configured, or the one discovery moved to.
    config: DavConfig,
    /// The configured server, when discovery moved to another one.
    configured: Option<DavConfig>,
}

/// `scheme://host[:port]` of `uri`, when it has both.
fn origin(uri: &http::Uri) -> Option<String> {
    Some(format!("{}://{}", uri.scheme_str()?, uri.authority()?))
}

fn failed<E: std::error::Error>(config: &DavConfig, doing: &str, e: &E) -> DavError {
    crate::classify(&error_chain(e), config.url.trim(), doing)
}

fn status<E>(e: &WebDavError<E>) -> Option<u16> {
    match e {
        WebDavError::BadStatusCode(s) => Some(s.as_u16()),
        WebDavError::PreconditionFailed(_) => Some(412),
        _ => None,
    }
}

impl CalendarServer {
    /// Connects (nothing is sent yet).
    pub fn new(config: &DavConfig) -> Result<Self, DavError> {
        Ok(Self {
            caldav: client(config)?,
            config: config.clone(),
            configured: None,
        })
    }

    /// The origin asked from now on: another server than the one configured, found through
    /// its `/.well-known/caldav` (RFC 6764). The password goes there too, so `client` allows
    /// only https, or http to this computer, as for a configured URL.
    fn move_to(&mut self, origin: &str) -> Result<(), DavError> {
        let config = DavConfig {
            url: format!("{origin}/"),
            ..self.config.clone()
        };
        self.caldav = client(&config)?;
        let configured = std::mem::replace(&mut self.config, config);
        self.configured.get_or_insert(configured);
        Ok(())
    }

    /// Back to the configured server, after a move.
    fn move_back(&mut self) -> Result<(), DavError> {
        if let Some(configured) = self.configured.take() {
            self.caldav = client(&configured)?;
            self.config = configured;
        }
        Ok(())
    }

    /// The origin asked now.
    fn origin(&self) -> Option<String> {
        origin(&self.config.url.trim().parse().ok()?)
    }

    /// How a home set path on the server asked now is remembered: the path itself on the
    /// configured server, else the whole URL (so the next session goes straight there).
    fn home_ref(&self, path: &str) -> String {
        match (&self.configured, self.origin()) {
            (Some(_), Some(origin)) => format!("{origin}{path}"),
            _ => path.to_owned(),
        }
    }

    /// The path of a remembered home set (see `home_ref`), moving to its server when it is
    /// another one; `None` when that server may not be asked.
    fn reach(&mut self, home: &str) -> Option<String> {
        let Ok(uri) = home.parse::<http::Uri>() else {
            return Some(home.to_owned());
        };
        let Some(there) = origin(&uri) else {
            return Some(home.to_owned());
        };
        if self.origin().as_deref() != Some(there.as_str()) {
            self.move_to(&there).ok()?;
        }
        Some(uri.path().to_owned())
    }

    async fn within<T>(&self, future: impl Future<Output = T>) -> Result<T, DavError> {
        tokio::time::timeout(self.config.timeout, future)
            .await
            .map_err(|_| crate::timeout(self.config.url.trim(), self.config.timeout))
    }

    /// Creates a calendar collection named `name` at `segment` in the home set (for events
    /// and to-dos) and returns its path.
    pub async fn create_calendar(&mut self, segment: &str, name: &str) -> Result<String, DavError> {
        let home = self.home().await?;
        let href = format!("{}/{segment}/", home.trim_end_matches('/'));
        self.within(
            self.caldav.request(
                libdav::caldav::CreateCalendar::new(&href)
                    .with_display_name(name)
                    .with_components(&[
                        libdav::caldav::CalendarComponent::VEvent,
                        libdav::caldav::CalendarComponent::VTodo,
                    ]),
            ),
        )
        .await?
        .map_err(|e| failed(&self.config, "create a calendar", &e))?;
        Ok(href)
    }

    /// The user's calendars: principal, home set, then the calendar collections in it.
    pub async fn calendars(&mut self) -> Result<Vec<RemoteCalendar>, DavError> {
        Ok(self.calendars_at(None).await?.1)
    }

    /// The calendars in `home` (a home set found before, saving two requests), or — when
    /// there is none or listing it fails — after discovering the home set again. Returns the
    /// home set used and the calendars.
    ///
    /// The home set is returned as a path when it is on the configured server, and as a whole
    /// URL when that server's `/.well-known/caldav` sent discovery to another one; given back
    /// here, such a URL makes this server ask that one again, for this and every later
    /// request.
    pub async fn calendars_at(
        &mut self,
        home: Option<&str>,
    ) -> Result<(String, Vec<RemoteCalendar>), DavError> {
        if let Some(home) = home.filter(|h| !h.is_empty()) {
            if let Some(path) = self.reach(home)
                && let Ok(found) = self.list_home(&path).await
            {
                return Ok((self.home_ref(&path), found));
            }
            // Discovery starts again from the configured server.
            self.move_back()?;
        }
        let home = self.home().await?;
        let found = self.list_home(&home).await?;
        Ok((self.home_ref(&home), found))
    }

    /// The server discovery moved to (its URL), when the configured one's
    /// `/.well-known/caldav` sent it to another.
    pub fn moved_to(&self) -> Option<&str> {
        self.configured.as_ref().map(|_| self.config.url.as_str())
    }

    /// The URL of the server asked now.
    #[cfg(test)]
    fn url(&self) -> &str {
        &self.config.url
    }

    /// The calendar collections in `home`. Like libdav's `FindCalendars` but without asking
    /// for each collection's ETag: servers compute it from every item (Radicale spends ~0.2 s
    /// on a 2,000-event calendar), and the sync token already says what changed.
    async fn list_home(&self, home: &str) -> Result<Vec<RemoteCalendar>, DavError> {
        let answer = self
            .within(
                self.caldav.request(
                    libdav::dav::Propfind::new(home)
                        .with_properties(&[
                            &names::RESOURCETYPE,
                            &names::SUPPORTED_REPORT_SET,
                            &names::DISPLAY_NAME,
                            &names::CALENDAR_COLOUR,
                        ])
                        .with_depth(libdav::Depth::One),
                ),
            )
            .await?
            .map_err(|e| failed(&self.config, "list your calendars", &e))?;
        let text = String::from_utf8_lossy(&answer.body);
        let doc = roxmltree::Document::parse(&text).map_err(|e| {
            NetError::new(
                FailureKind::Protocol,
                format!("The CalDAV server's calendar list is not valid XML: {e}"),
            )
        })?;
        let mut out = Vec::new();
        for response in doc
            .root_element()
            .children()
            .filter(|n| n.tag_name() == names::RESPONSE)
        {
            let find = |name: &libdav::PropertyName<'_, '_>| {
                response.descendants().find(|n| n.tag_name() == *name)
            };
            let is_calendar = find(&names::RESOURCETYPE)
                .is_some_and(|rt| rt.descendants().any(|n| n.tag_name() == names::CALENDAR));
            if !is_calendar {
                continue;
            }
            let Some(href) = find(&names::HREF).and_then(|n| n.text()) else {
                continue;
            };
            let Ok(href) = libdav::encoding::normalise_percent_encoded(href) else {
                continue;
            };
            let text_of = |name: &libdav::PropertyName<'_, '_>| {
                find(name)
                    // Some servers answer with another namespace (cyrus-imapd issue 4489).
                    .or_else(|| {
                        response
                            .descendants()
                            .find(|n| n.tag_name().name() == name.name())
                    })
                    .and_then(|n| n.text())
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
            };
            out.push(RemoteCalendar {
                name: text_of(&names::DISPLAY_NAME),
                colour: text_of(&names::CALENDAR_COLOUR),
                href: href.into_owned(),
                supports_sync: find(&names::SUPPORTED_REPORT_SET).is_some_and(|set| {
                    set.descendants()
                        .any(|n| n.tag_name() == names::SYNC_COLLECTION)
                }),
            });
        }
        Ok(out)
    }

    /// The principal found through the server's `/.well-known/caldav` redirect, if any: the
    /// redirect's target is the context path (RFC 6764 §5), asked for the principal in turn.
    /// A target on another server (a provider's web domain sending to its CalDAV host) moves
    /// this server there, if it may be asked (see `move_to`) and names a principal.
    async fn principal_via_well_known(&mut self) -> Option<http::Uri> {
        let base: http::Uri = self.config.url.trim().parse().ok()?;
        let well_known = http::Uri::builder()
            .scheme(base.scheme_str().unwrap_or("https"))
            .authority(base.authority()?.as_str())
            .path_and_query("/.well-known/caldav")
            .build()
            .ok()?;
        let request = http::Request::builder()
            .method(http::Method::GET)
            .uri(well_known)
            .body(String::new())
            .ok()?;
        let (head, _) = self
            .within(self.caldav.request_raw(request))
            .await
            .ok()?
            .ok()?;
        if !head.status.is_redirection() {
            return None;
        }
        let location: http::Uri = head
            .headers
            .get(http::header::LOCATION)?
            .to_str()
            .ok()?
            .parse()
            .ok()?;
        let path = location.path().to_owned();
        let here = origin(&base)?;
        let there = origin(&location).unwrap_or_else(|| here.clone());
        if there != here {
            self.move_to(&there).ok()?;
        }
        let found = self
            .within(self.caldav.request(libdav::dav::FindPropertyHrefs::new(
                &path,
                &names::CURRENT_USER_PRINCIPAL,
            )))
            .await
            .ok()
            .and_then(Result::ok)
            .and_then(|found| found.hrefs.into_iter().next());
        if found.is_none() {
            self.move_back().ok()?;
            return None;
        }
        tracing::info!(server = %there, context = %path, "CalDAV found through /.well-known/caldav");
        found
    }

    /// The calendar home set's path (on the server asked once discovery is done).
    async fn home(&mut self) -> Result<String, DavError> {
        let direct = self
            .within(self.caldav.find_current_user_principal())
            .await?
            .map_err(|e| failed(&self.config, "find your principal", &e));
        let principal = match direct {
            Ok(Some(principal)) => principal,
            // Not at the URL given nor at the root: the server may say where its CalDAV
            // lives at /.well-known/caldav (RFC 6764).
            other => match self.principal_via_well_known().await {
                Some(principal) => principal,
                None => other?.ok_or_else(|| {
                    NetError::new(
                        FailureKind::Protocol,
                        "The CalDAV server did not say who you are (no current-user-principal)",
                    )
                })?,
            },
        };
        let home = self
            .within(
                self.caldav
                    .request(FindCalendarHomeSet::new(principal.path())),
            )
            .await?
            .map_err(|e| failed(&self.config, "find your calendars", &e))?
            .home_sets
            .into_iter()
            .next()
            .unwrap_or(principal);
        Ok(home.path().to_owned())
    }

    /// Changes in `calendar` since `token` (everything when `None`).
    pub async fn changes(&self, calendar: &str, token: Option<&str>) -> Result<Changes, DavError> {
        let mut request = SyncCollection::new(calendar);
        if let Some(token) = token {
            request = request.with_sync_token(token);
        }
        match self.within(self.caldav.request(request)).await? {
            Ok(r) => Ok(Changes::Delta {
                changed: r
                    .changed
                    .into_iter()
                    .map(|l| Listed {
                        href: l.href,
                        etag: l.etag,
                    })
                    .collect(),
                deleted: r.deleted,
                token: r.new_sync_token,
            }),
            Err(e) => match status(&e) {
                Some(412) if token.is_some() => Ok(Changes::TokenRejected),
                // Servers that do not say "invalid token" properly: Xandikos answers a token
                // it does not know with 500. Starting over is always safe.
                Some(400 | 409 | 500..=599) if token.is_some() => Ok(Changes::TokenRejected),
                Some(403 | 415 | 501 | 507) => Ok(Changes::Unsupported),
                _ => Err(failed(&self.config, "read the calendar's changes", &e)),
            },
        }
    }

    /// Every resource of `calendar` with its ETag (the fallback to sync-collection).
    pub async fn list(&self, calendar: &str) -> Result<Vec<Listed>, DavError> {
        Ok(self
            .within(self.caldav.request(ListCalendarResources::new(calendar)))
            .await?
            .map_err(|e| failed(&self.config, "list the calendar", &e))?
            .resources
            .into_iter()
            .map(|l| Listed {
                href: l.href,
                etag: l.etag,
            })
            .collect())
    }

    /// The data of `hrefs` in `calendar` (calendar-multiget).
    pub async fn fetch(&self, calendar: &str, hrefs: &[String]) -> Result<Vec<Fetched>, DavError> {
        if hrefs.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .within(
                self.caldav
                    .request(GetCalendarResources::new(calendar).with_hrefs(hrefs)),
            )
            .await?
            .map_err(|e| failed(&self.config, "read calendar items", &e))?
            .resources
            .into_iter()
            .map(|r| Fetched {
                href: r.href,
                content: r.content.map(|c| (c.etag, c.data)).map_err(|s| s.as_u16()),
            })
            .collect())
    }

    /// Creates `href` unless something is there already (`If-None-Match: *`).
    pub async fn create(&self, href: &str, ics: &str) -> Result<Written, DavError> {
        let request = PutResource::new(href).create(ics, "text/calendar; charset=utf-8");
        let result = self.within(self.caldav.request(request)).await?;
        self.put_outcome(href, result).await
    }

    /// Replaces `href` if it is still at `etag` (`If-Match`).
    pub async fn update(&self, href: &str, ics: &str, etag: &str) -> Result<Written, DavError> {
        let request = PutResource::new(href).update(ics, "text/calendar; charset=utf-8", etag);
        let result = self.within(self.caldav.request(request)).await?;
        self.put_outcome(href, result).await
    }

    /// Deletes `href` if it is still at `etag`; a resource already gone counts as deleted.
    pub async fn delete(&self, href: &str, etag: &str) -> Result<Written, DavError> {
        let result = self
            .within(self.caldav.request(Delete::new(href).with_etag(etag)))
            .await?;
        self.delete_outcome(result)
    }

    /// A DELETE's answer: a resource already gone counts as deleted; 412 is a conflict.
    fn delete_outcome<E: std::error::Error>(
        &self,
        result: Result<libdav::dav::DeleteResponse, WebDavError<E>>,
    ) -> Result<Written, DavError> {
        match result {
            Ok(_) => Ok(Written::Done(None)),
            Err(e) if status(&e) == Some(412) => Ok(Written::Conflict),
            Err(e) if status(&e) == Some(404) => Ok(Written::Done(None)),
            Err(e) => Err(failed(&self.config, "delete a calendar item", &e)),
        }
    }

    /// Stores `last` at `href` (if it is still at `etag`), then deletes it: for an event the
    /// user organises, `last` has the attendees marked SCHEDULE-AGENT=CLIENT, so a server that
    /// schedules for organisers (RFC 6638) sends them no cancellation of its own. A resource
    /// changed or gone meanwhile gets the plain conditional delete's answer.
    pub async fn delete_after(
        &self,
        href: &str,
        last: &str,
        etag: &str,
    ) -> Result<Written, DavError> {
        match self.update(href, last, etag).await? {
            Written::Done(Some(marked)) => self.delete(href, &marked).await,
            Written::Done(None) => {
                // Stored just now, but the server names no version: delete what is there.
                let result = self
                    .within(self.caldav.request(Delete::new(href).force()))
                    .await?;
                self.delete_outcome(result)
            }
            Written::Conflict => self.delete(href, etag).await,
        }
    }

    /// A PUT's answer: done with the new ETag (asked for when the server did not say it), or a
    /// conflict on 412.
    async fn put_outcome<E: std::error::Error + Send + Sync + 'static>(
        &self,
        href: &str,
        result: Result<libdav::dav::PutResourceResponse, WebDavError<E>>,
    ) -> Result<Written, DavError> {
        match result {
            Ok(r) => Ok(Written::Done(match r.etag {
                Some(etag) => Some(etag),
                None => self.etag(href).await?,
            })),
            Err(e) if status(&e) == Some(412) => Ok(Written::Conflict),
            Err(e) => Err(failed(&self.config, "save a calendar item", &e)),
        }
    }

    async fn etag(&self, href: &str) -> Result<Option<String>, DavError> {
        Ok(self
            .within(self.caldav.request(GetEtag::new(href)))
            .await?
            .ok()
            .map(|r| r.etag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(url: &str) -> CalendarServer {
        CalendarServer::new(&DavConfig {
            url: url.to_owned(),
            username: "alice".into(),
            password: orbit_secrets::Sensitive::new("pw".to_owned()),
            timeout: std::time::Duration::from_secs(1),
        })
        .unwrap()
    }

    /// Discovery follows a `/.well-known/caldav` redirect to another server only where the
    /// password may go (https, or http to this computer), and a home set found there is
    /// remembered as a whole URL that leads back to it.
    #[test]
    fn discovery_moves_only_where_the_password_may_go_and_remembers_where() {
        let mut dav = server("http://127.0.0.1:5232/");
        assert_eq!(
            dav.home_ref("/alice/"),
            "/alice/",
            "on the configured server"
        );
        assert!(dav.move_to("http://caldav.example.org").is_err());
        assert_eq!(
            dav.url(),
            "http://127.0.0.1:5232/",
            "a refused move changes nothing"
        );
        assert_eq!(dav.reach("http://caldav.example.org/dav/alice/"), None);

        dav.move_to("https://caldav.example.org").unwrap();
        assert_eq!(dav.url(), "https://caldav.example.org/");
        assert_eq!(
            dav.home_ref("/dav/alice/"),
            "https://caldav.example.org/dav/alice/"
        );
        dav.move_back().unwrap();
        assert_eq!(dav.url(), "http://127.0.0.1:5232/");

        // A later session, from what was remembered.
        let mut later = server("http://127.0.0.1:5232/");
        assert_eq!(
            later
                .reach("https://caldav.example.org/dav/alice/")
                .as_deref(),
            Some("/dav/alice/")
        );
        assert_eq!(later.url(), "https://caldav.example.org/");
        assert_eq!(later.reach("/dav/alice/").as_deref(), Some("/dav/alice/"));
    }
}
