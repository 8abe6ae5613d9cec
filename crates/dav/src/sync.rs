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
    config: DavConfig,
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
        })
    }

    async fn within<T>(&self, future: impl Future<Output = T>) -> Result<T, DavError> {
        tokio::time::timeout(self.config.timeout, future)
            .await
            .map_err(|_| crate::timeout(self.config.url.trim(), self.config.timeout))
    }

    /// Creates a calendar collection named `name` at `segment` in the home set (for events
    /// and to-dos) and returns its path.
    pub async fn create_calendar(&self, segment: &str, name: &str) -> Result<String, DavError> {
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
    pub async fn calendars(&self) -> Result<Vec<RemoteCalendar>, DavError> {
        Ok(self.calendars_at(None).await?.1)
    }

    /// The calendars in `home` (a home set found before, saving two requests), or — when
    /// there is none or listing it fails — after discovering the home set again. Returns the
    /// home set used and the calendars.
    pub async fn calendars_at(
        &self,
        home: Option<&str>,
    ) -> Result<(String, Vec<RemoteCalendar>), DavError> {
        if let Some(home) = home.filter(|h| !h.is_empty())
            && let Ok(found) = self.list_home(home).await
        {
            return Ok((home.to_owned(), found));
        }
        let home = self.home().await?;
        let found = self.list_home(&home).await?;
        Ok((home, found))
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
    async fn principal_via_well_known(&self) -> Option<http::Uri> {
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
        let found = self
            .within(self.caldav.request(libdav::dav::FindPropertyHrefs::new(
                &path,
                &names::CURRENT_USER_PRINCIPAL,
            )))
            .await
            .ok()?
            .ok()?;
        tracing::info!(context = %path, "CalDAV found through /.well-known/caldav");
        found.hrefs.into_iter().next()
    }

    /// The calendar home set's path.
    async fn home(&self) -> Result<String, DavError> {
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
        match self
            .within(self.caldav.request(Delete::new(href).with_etag(etag)))
            .await?
        {
            Ok(_) => Ok(Written::Done(None)),
            Err(e) if status(&e) == Some(412) => Ok(Written::Conflict),
            Err(e) if status(&e) == Some(404) => Ok(Written::Done(None)),
            Err(e) => Err(failed(&self.config, "delete a calendar item", &e)),
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
