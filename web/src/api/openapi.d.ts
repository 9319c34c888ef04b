/**
 * Generated from the server's OpenAPI document (/api/docs/json); do not edit: `npm run gen:api`.
 * The browser client (client.ts) checks every path, body and query it sends against `paths`.
 */

export interface paths {
    "/api/v1/channel-types": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every channel type with its config schema and secret fields (to build a form) */
        get: operations["listChannelTypes"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/channels": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every channel with its webhook URL, secrets left out */
        get: operations["listChannels"];
        put?: never;
        /** Create a channel; answers its webhook URL and, where the provider registers webhooks by API, the setup's result */
        post: operations["createChannel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/channels/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One channel with its webhook URL, secrets left out
         * @description The `ETag` (also `revision`, unquoted) changes with every change: send it back in `If-Match` with a PATCH, and a change made since is not overwritten (412)
         */
        get: operations["getChannel"];
        put?: never;
        post?: never;
        /**
         * Delete a channel; its webhook URL stops taking messages
         * @description With `If-Match` (the `ETag` of GET /channels/:id), deleted only while nobody changed the channel since: else 412 PRECONDITION_FAILED and nothing changes
         */
        delete: operations["deleteChannel"];
        options?: never;
        head?: never;
        /**
         * Change a channel's name or config; secrets given are replaced
         * @description With `If-Match` (the `ETag` of GET /channels/:id), changed only while nobody changed the channel since: else 412 PRECONDITION_FAILED and nothing changes. The answer's `ETag` is the changed channel's
         */
        patch: operations["updateChannel"];
        trace?: never;
    };
    "/api/v1/channels/{id}/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The channel's newest messages in and out with their delivery status (no text) */
        get: operations["listChannelMessages"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/channels/{id}/rejected-events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Webhook items the channel acknowledged but did not process (unreadable, or for an account no channel owns), newest first */
        get: operations["listRejectedEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/channels/{id}/setup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Register the channel's webhook with the provider again (Telegram, Viber)
         * @description With `If-Match` (the `ETag` of GET /channels/:id), run only while nobody changed the channel since: else 412 PRECONDITION_FAILED and the provider is not called
         */
        post: operations["setupChannel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connection-types": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every connection type with its config schema and secret fields (to build a form) */
        get: operations["listConnectionTypes"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connections": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every connection (Salesforce orgs), secrets left out */
        get: operations["listConnections"];
        put?: never;
        /** Create a connection; secrets are encrypted and never returned */
        post: operations["createConnection"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connections/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One connection with its health (ok, paused, reconnect required or sign-in refused, and why)
         * @description The `ETag` (also `revision`, unquoted) changes with every change: send it back in `If-Match` with a PATCH, and a change made since is not overwritten (412)
         */
        get: operations["getConnection"];
        put?: never;
        post?: never;
        /**
         * Delete a connection, then revoke its Salesforce token
         * @description With `If-Match` (the `ETag` of GET /connections/:id), deleted only while nobody changed the connection since: else 412 PRECONDITION_FAILED, nothing changes and no token is revoked
         */
        delete: operations["deleteConnection"];
        options?: never;
        head?: never;
        /**
         * Change a connection's name or config; secrets given are replaced
         * @description With `If-Match` (the `ETag` of GET /connections/:id), changed only while nobody changed the connection since: else 412 PRECONDITION_FAILED and nothing changes. The answer's `ETag` is the changed connection's
         */
        patch: operations["updateConnection"];
        trace?: never;
    };
    "/api/v1/connections/{id}/disconnect": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Revoke and forget the connection's Salesforce tokens; the connection stays
         * @description With `If-Match` (the `ETag` of GET /connections/:id), only while nobody changed the connection since: else 412 PRECONDITION_FAILED, nothing changes and no token is revoked
         */
        post: operations["disconnectConnection"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connections/{id}/oauth/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Start the one-click Salesforce sign-in: redirects to the org's authorize page (302) */
        get: operations["startConnectionOAuth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connections/{id}/objects": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The Salesforce objects the connection's user can see (describeGlobal), by label */
        get: operations["listConnectionObjects"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connections/{id}/objects/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One Salesforce object's fields: type, required (for create) and picklist values */
        get: operations["describeConnectionObject"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/connections/{id}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Refresh the connection's token and ask Salesforce who it is: the user, org, instance and API versions */
        post: operations["testConnection"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/contacts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Contacts, newest first, by phone, tag or channel; paginated */
        get: operations["listContacts"];
        put?: never;
        post?: never;
        /** Erase everyone with this phone: contacts, conversations, runs, and messages not yet processed */
        delete: operations["eraseContactsByPhone"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/contacts/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One contact with its identities and messages */
        get: operations["getContact"];
        put?: never;
        post?: never;
        /** Erase a contact and their conversations, runs and identities (the right to erasure) */
        delete: operations["eraseContact"];
        options?: never;
        head?: never;
        /** Change a contact's name or attributes */
        patch: operations["updateContact"];
        trace?: never;
    };
    "/api/v1/contacts/{id}/merge": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Merge another contact (`from`) into this one */
        post: operations["mergeContacts"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/contacts/{id}/records": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Records in business systems (Salesforce) the contact's newest 50 runs made or found */
        get: operations["listContactRecords"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/contacts/{id}/tags": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Add and remove a contact's tags; flows triggered by a tag added start */
        post: operations["tagContact"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flows": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every flow with its latest and published version and its last run */
        get: operations["listFlows"];
        put?: never;
        /** Store a flow file as a new flow (version 1, a draft) */
        post: operations["createFlow"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flows/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One flow with its latest version's definition
         * @description The `ETag` names the latest version (`"v7"`): send it back in `If-Match` when saving, and a save based on an older version is refused (412) instead of overwriting it
         */
        get: operations["getFlow"];
        /**
         * Save a flow file as the flow's next draft version
         * @description Stores the file as the flow's next version (201); the same file as the latest version stores nothing and answers 200 with that version and `unchanged: true`. An id not seen yet creates the flow with that id (1-100 letters, digits, _ or -; not "schema"), so importing by id keeps ids stable across installations. With `If-Match` (the `ETag` of GET /flows/:id, `"v7"`), stored only while that version is still the latest: else 412 PRECONDITION_FAILED (`details.currentVersion`) and nothing is stored; `If-Match: *` stores only into an existing flow. The answer's `ETag` names the version it stored
         */
        put: operations["updateFlow"];
        post?: never;
        /**
         * Delete a flow and all its versions
         * @description Deletes a flow with all its versions: only one that is not published, has no run in its history, is no published flow's subflow and no active run is inside it as a subflow (409 says which). With `If-Match` (the flow's `ETag`), only while that version is still the latest (else 412, nothing changes)
         */
        delete: operations["deleteFlow"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flows/{id}/diff": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * What changed between two versions of a flow
         * @description What changed between two versions: steps added, removed, changed (JSON paths with old and new values) and moved, then trigger and top-level changes
         */
        get: operations["diffFlowVersions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flows/{id}/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A version as a flow file (canonical JSON: same flow, same bytes) */
        get: operations["exportFlow"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flows/{id}/publish": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Publish a version (default the latest): new conversations start on it
         * @description With `If-Match` (the flow's `ETag`), published only while that version is still the latest (else 412, nothing changes)
         */
        post: operations["publishFlow"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flows/{id}/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start a run of the flow's published version for a contact (API trigger)
         * @description Queues the run in the contact's conversation and answers 202 with its id: GET /api/v1/runs/:id follows it once it has started in the conversation's turn (404 RUN_NOT_FOUND until then). A run already active in that conversation is ended. The same Idempotency-Key for the flow answers the same run id and starts nothing more.
         */
        post: operations["startFlowRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flows/{id}/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Per step: visits entered, completed, dropped (run ended or expired on it), errored, active */
        get: operations["getFlowStats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flows/{id}/unpublish": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Stop starting new conversations on the flow
         * @description No version takes new conversations any more; runs already started go on on their version (`activeRuns`: how many). Publishing again resumes. With `If-Match` (the flow's `ETag`), only while that version is still the latest (else 412, nothing changes).
         */
        post: operations["unpublishFlow"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flows/{id}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every stored version of a flow, newest first
         * @description Every stored version, newest first: `isPublished` marks the one new runs start on, `isLatest` the newest; `createdAt` and `publishedAt` (when it was last published: a rollback publishes an older one again) are ms since epoch. The `ETag` is the flow's (its latest version), as GET /flows/:id sends it
         */
        get: operations["listFlowVersions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flows/{id}/webhook": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create or rotate the flow's webhook URL (shown once)
         * @description For systems that cannot send a bearer token: POST the same JSON body as /flows/:id/runs to the returned URL. The token is stored hashed and shown only in this answer; calling again replaces it.
         */
        post: operations["rotateFlowWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flows/schema": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The JSON Schema of flow files (for editors) */
        get: operations["getFlowSchema"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/flows/validate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Check a flow file without storing it: errors and warnings */
        post: operations["validateFlow"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Lists runs, newest first, by flow, version, step, status, contact, channel, start time and age; paginated */
        get: operations["listRuns"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One run with its variables and its steps */
        get: operations["getRun"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}/end": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Ends a waiting or running run */
        post: operations["endRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The messages in and out of a run's conversation while it ran, oldest first */
        get: operations["listRunMessages"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}/release": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Release a run paused for a person (handoff step or the AGENT keyword)
         * @description A handoff step's run continues at its `next`; a run the AGENT keyword paused waits again as before. Queued in the conversation's turn: 202.
         */
        post: operations["releaseRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Runs a failed run's failed step again (a new visit; effects that happened are not repeated) */
        post: operations["retryRun"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/end": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Ends the waiting and running runs that match the filters (at most `limit`) */
        post: operations["endRuns"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sandbox": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Whether the sandbox is on (else why not), and its channel, connection, flow and simulators
         * @description Off: `{ isOn: false, reason, cause, steppedAsideAt }`: `cause` is `"yours"` (a channel or connection of yours exists), `"stepped-aside"` (it stepped aside for one, since deleted: only a restart with TERN_SANDBOX=on brings it back) or `"off"` (TERN_SANDBOX=off); `steppedAsideAt` is when it stepped aside (ms since epoch), or null
         */
        get: operations["getSandbox"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sandbox/conversations/{from}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * What a sandbox customer received and said, and the records made for them
         * @description `received`: what Tern sent the customer, oldest first, with `choices` (button titles) and `choiceStyle` (how the channel shows them: buttons, list, inline_keyboard, keyboard, quick_replies; SMS has none: the choices are numbered lines of the text), among the newest 10,000 messages the channel's simulator keeps. `said`: what the customer sent through POST /sandbox/messages (kept in memory: the newest 200 of each of the 1,000 most recent customers). `leads`: the Leads its runs made, and any Lead with the customer's number. `records`: every record its runs made or found, of any object (`object`: Lead, Case…), with the fields the emulated org holds (its newest 10,000 records). Times are ISO-8601 wall-clock.
         */
        get: operations["getSandboxConversation"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sandbox/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Play the customer: a text, or a tap on a button Tern sent */
        post: operations["playSandboxCustomer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sandbox/try": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Try a flow's version (a draft too) as a customer the sandbox plays
         * @description Starts a run of `version` (default the latest, published or not) for the customer `from` on the sandbox's own channel of type `channel`, ending a run already active in that conversation (a handed-off one too). Answer as the customer with POST /sandbox/messages; read what they received with GET /sandbox/conversations/:from?channel= and the run with GET /runs/:runId. Only sandbox channels are used, so a real customer never gets a message. 404 FLOW_NOT_FOUND / FLOW_VERSION_NOT_FOUND; 409 SANDBOX_OFF when the sandbox is not running.
         */
        post: operations["trySandboxFlow"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The browser's session: 200 with its expiry when signed in, else 401
         * @description Not signed in, the 401 answer's `error.details.methods` lists how this server accepts a sign-in (`["token"]`, or `["token", "password"]` with TERN_ADMIN_USER and TERN_ADMIN_PASSWORD set), so a sign-in page can offer the right form.
         */
        get: operations["getSession"];
        put?: never;
        /**
         * Sign in (browsers): trade the admin token, or user and password, for a session cookie
         * @description Sends `{ "token" }`, or `{ "user", "password" }` when TERN_ADMIN_USER and TERN_ADMIN_PASSWORD are set. Sets `tern_session` (HttpOnly, SameSite=Strict; Secure when TERN_PUBLIC_URL is https) and `tern_csrf` (readable by scripts). With the session cookie every /api/v1 route works without the bearer token; POST, PUT, PATCH and DELETE then need the header `x-tern-csrf` equal to the `tern_csrf` cookie (else 403 CSRF_FAILED). Wrong credentials: 401; too many failed attempts from one address: 429 with Retry-After.
         */
        post: operations["signIn"];
        /**
         * Sign out: ends the session on every Tern process and clears both cookies (204)
         * @description Like every unsafe request with the session cookie, it needs the header `x-tern-csrf` equal to the `tern_csrf` cookie (else 403 CSRF_FAILED).
         */
        delete: operations["signOut"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/settings/keywords": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The global keywords (STOP, START, AGENT, RESTART) and their words */
        get: operations["getKeywords"];
        /**
         * Set the global keywords (STOP, START, AGENT, RESTART)
         * @description Each is a list of whole messages (case-insensitive); [] turns it off; omitted ones take the default.
         */
        put: operations["setKeywords"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/templates": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The flow templates Tern ships
         * @description The flow templates Tern ships, each with its name, description and flow file (`definition`); create a flow from one by POSTing its definition to /flows
         */
        get: operations["listTemplates"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/hooks/flows/{id}/{token}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start a run of the flow from another system (public; the token in the URL is the secret)
         * @description The URL comes from POST /api/v1/flows/{id}/webhook. Same body and Idempotency-Key as POST /api/v1/flows/{id}/runs. A wrong flow or token is 401 (which of the two is not said), checked before the body; only application/json is accepted (415).
         */
        post: operations["runFlowHook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** ApiError */
        ApiError: {
            error: {
                /** @description e.g. BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, CONFLICT, FLOW_INVALID */
                code: string;
                details?: {
                    [key: string]: unknown;
                };
                /** @description What was wrong and how to fix it */
                message: string;
            };
        };
        Channel: {
            /** @description The config without its secrets */
            config: {
                [key: string]: unknown;
            };
            /** @description ms since the epoch */
            createdAt: number;
            id: string;
            name: string;
            owner: string;
            /** @description Changes with every change of the row; quoted, it is the `ETag` to send in `If-Match` */
            revision: string;
            /** @description Which secret fields are set (never their values) */
            secrets: {
                [key: string]: "set";
            };
            /** @description Webhook registration at the provider (Telegram, Viber, Twilio, Vonage) */
            setup?: components["schemas"]["SetupReport"];
            type: string;
            /** @description ms since the epoch */
            updatedAt: number;
            /** @description The URL to paste into the provider's console */
            webhookUrl: string;
        } & {
            [key: string]: unknown;
        };
        Connection: {
            /** @description The config without its secrets */
            config: {
                [key: string]: unknown;
            };
            /** @description ms since the epoch */
            createdAt: number;
            id: string;
            /** @description Salesforce: whether Tern holds a token */
            isConnected?: boolean;
            name: string;
            owner: string;
            /** @description Changes with every change of the row; quoted, it is the `ETag` to send in `If-Match` */
            revision: string;
            /** @description Which secret fields are set (never their values) */
            secrets: {
                [key: string]: "set";
            };
            type: string;
            /** @description ms since the epoch */
            updatedAt: number;
        } & {
            [key: string]: unknown;
        };
        Contact: {
            attributes: {
                [key: string]: unknown;
            };
            /** @description ms since the epoch */
            createdAt: number;
            id: string;
            identities: components["schemas"]["Identity"][];
            name: string | null;
            /** @description E.164 */
            phone: string | null;
            tags: string[];
            /** @description ms since the epoch */
            updatedAt: number;
        } & {
            [key: string]: unknown;
        };
        FlowSummary: {
            /** @description ms since the epoch */
            createdAt: number;
            id: string;
            latestVersion: number;
            name: string;
            owner: string;
            publishedVersion: number | null;
            /** @description ms since the epoch */
            updatedAt: number;
        } & {
            [key: string]: unknown;
        };
        Identity: {
            address: string;
            channelId: string;
            /** @description ms since the epoch */
            createdAt: number;
            id: string;
            /** @description ms since the epoch */
            lastInboundAt: number | null;
        } & {
            [key: string]: unknown;
        };
        Problem: {
            message: string;
            path: string;
        } & {
            [key: string]: unknown;
        };
        RunStep: {
            durationMs: number | null;
            /** @description ISO 8601 time */
            endedAt: string | null;
            error: unknown;
            input: unknown;
            output: unknown;
            /** @description ISO 8601 time */
            startedAt: string;
            status: string;
            stepId: string;
            type: string;
            visit: number;
        } & {
            [key: string]: unknown;
        };
        RunSummary: {
            channelId: string;
            contactId: string;
            /** @description ISO 8601 time */
            createdAt: string;
            /** @description The step it is on while active */
            currentStep: string | null;
            endReason: ({
                code: string;
                message: string;
            } & {
                [key: string]: unknown;
            }) | null;
            error: ({
                code: string;
                message: string;
                stepId: string;
            } & {
                [key: string]: unknown;
            }) | null;
            flowId: string;
            flowVersion: number;
            id: string;
            /** @enum {string} */
            status: "running" | "waiting" | "completed" | "failed" | "ended";
            /** @description ISO 8601 time */
            updatedAt: string;
            waitingFor: ({
                /** @enum {string} */
                for: "reply" | "handoff" | "retry";
                stepId: string;
                /** @description When the wait ends (ms since the epoch); null: never */
                timeoutAt: number | null;
            } & {
                [key: string]: unknown;
            }) | null;
        } & {
            [key: string]: unknown;
        };
        SetupReport: {
            message: string;
            ok: boolean;
        } & {
            [key: string]: unknown;
        };
        StoredFlowVersion: {
            id: string;
            name: string;
            version: number;
            warnings: components["schemas"]["Problem"][];
        } & {
            [key: string]: unknown;
        };
    };
    responses: {
        /** @description Failed on Tern's side or at a provider (502): `{ error: { code, message } }` */
        Failed: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ApiError"];
            };
        };
        /** @description Refused: `{ error: { code, message, details? } }`, nothing changed */
        Refused: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ApiError"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    listChannelTypes: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** @description JSON Schema (2020-12) of the config */
                            configSchema: {
                                [key: string]: unknown;
                            };
                            /** @description Setup guide, a path in the Tern repository */
                            docs?: string;
                            /** @description Channels: Tern registers the webhook at the provider by API (POST /channels/:id/setup) */
                            registersWebhook?: boolean;
                            /** @description Config keys that are write-only (a password input) */
                            secretFields: string[];
                            title: string;
                            /** @description Persisted identifier, e.g. "whatsapp" or "salesforce" */
                            type: string;
                        }[];
                    };
                };
            };
        };
    };
    listChannels: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Channel"][];
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    createChannel: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Provider config; secret fields are write-only */
                    config: {
                        [key: string]: unknown;
                    };
                    /** @description Unique name (case and width aside); flows refer to connections by it */
                    name: string;
                    /** @description Type, e.g. "whatsapp" */
                    type: string;
                };
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Created; the channel and its setup report */
            201: {
                headers: {
                    /** @description The channel as stored now (changes with every change): send it in `If-Match` with a PATCH */
                    etag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        config: {
                            [key: string]: unknown;
                        };
                        createdAt: number;
                        id: string;
                        name: string;
                        owner: string;
                        revision: string;
                        secrets: {
                            [key: string]: "set";
                        };
                        setup?: components["schemas"]["SetupReport"];
                        type: string;
                        updatedAt: number;
                        webhookUrl: string;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    getChannel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    /** @description The channel as stored now (changes with every change): send it in `If-Match` with a PATCH */
                    etag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        config: {
                            [key: string]: unknown;
                        };
                        createdAt: number;
                        id: string;
                        name: string;
                        owner: string;
                        revision: string;
                        secrets: {
                            [key: string]: "set";
                        };
                        setup?: components["schemas"]["SetupReport"];
                        type: string;
                        updatedAt: number;
                        webhookUrl: string;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    deleteChannel: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the channel as read (or *): the change is made only while it is still current, else 412 PRECONDITION_FAILED and nothing changes. Optional */
                "if-match"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    updateChannel: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the channel as read (or *): the change is made only while it is still current, else 412 PRECONDITION_FAILED and nothing changes. Optional */
                "if-match"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Merged over the stored config; leave secrets out to keep them */
                    config?: {
                        [key: string]: unknown;
                    };
                    name?: string;
                };
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    /** @description The channel as stored now (changes with every change): send it in `If-Match` with a PATCH */
                    etag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        config: {
                            [key: string]: unknown;
                        };
                        createdAt: number;
                        id: string;
                        name: string;
                        owner: string;
                        revision: string;
                        secrets: {
                            [key: string]: "set";
                        };
                        setup?: components["schemas"]["SetupReport"];
                        type: string;
                        updatedAt: number;
                        webhookUrl: string;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    listChannelMessages: {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
        };
    };
    listRejectedEvents: {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
        };
    };
    setupChannel: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the channel as read (or *): the change is made only while it is still current, else 412 PRECONDITION_FAILED and nothing changes. Optional */
                "if-match"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        config: {
                            [key: string]: unknown;
                        };
                        createdAt: number;
                        id: string;
                        name: string;
                        owner: string;
                        revision: string;
                        secrets: {
                            [key: string]: "set";
                        };
                        setup: components["schemas"]["SetupReport"];
                        type: string;
                        updatedAt: number;
                        webhookUrl: string;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    listConnectionTypes: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** @description JSON Schema (2020-12) of the config */
                            configSchema: {
                                [key: string]: unknown;
                            };
                            /** @description Setup guide, a path in the Tern repository */
                            docs?: string;
                            /** @description Channels: Tern registers the webhook at the provider by API (POST /channels/:id/setup) */
                            registersWebhook?: boolean;
                            /** @description Config keys that are write-only (a password input) */
                            secretFields: string[];
                            title: string;
                            /** @description Persisted identifier, e.g. "whatsapp" or "salesforce" */
                            type: string;
                        }[];
                    };
                };
            };
        };
    };
    listConnections: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Connection"][];
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    createConnection: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Connector config; type "http": { baseUrl, auth: "bearer", token } | { baseUrl, auth: "basic", username, password } | { baseUrl, auth: "header", header, value }; secret fields are write-only */
                    config: {
                        [key: string]: unknown;
                    };
                    /** @description Unique name (case and width aside); flows refer to connections by it */
                    name: string;
                    /** @description Type, e.g. "salesforce" */
                    type: string;
                };
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Created; the connection without its secrets */
            201: {
                headers: {
                    /** @description The connection as stored now (changes with every change): send it in `If-Match` with a PATCH */
                    etag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        config: {
                            [key: string]: unknown;
                        };
                        createdAt: number;
                        id: string;
                        isConnected?: boolean;
                        name: string;
                        owner: string;
                        revision: string;
                        secrets: {
                            [key: string]: "set";
                        };
                        type: string;
                        updatedAt: number;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    getConnection: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    /** @description The connection as stored now (changes with every change): send it in `If-Match` with a PATCH */
                    etag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        config: {
                            [key: string]: unknown;
                        };
                        createdAt: number;
                        id: string;
                        isConnected?: boolean;
                        name: string;
                        owner: string;
                        revision: string;
                        secrets: {
                            [key: string]: "set";
                        };
                        type: string;
                        updatedAt: number;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    deleteConnection: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the connection as read (or *): the change is made only while it is still current, else 412 PRECONDITION_FAILED and nothing changes. Optional */
                "if-match"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    updateConnection: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the connection as read (or *): the change is made only while it is still current, else 412 PRECONDITION_FAILED and nothing changes. Optional */
                "if-match"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Merged over the stored config; leave secrets out to keep them */
                    config?: {
                        [key: string]: unknown;
                    };
                    name?: string;
                };
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    /** @description The connection as stored now (changes with every change): send it in `If-Match` with a PATCH */
                    etag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        config: {
                            [key: string]: unknown;
                        };
                        createdAt: number;
                        id: string;
                        isConnected?: boolean;
                        name: string;
                        owner: string;
                        revision: string;
                        secrets: {
                            [key: string]: "set";
                        };
                        type: string;
                        updatedAt: number;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    disconnectConnection: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the connection as read (or *): the change is made only while it is still current, else 412 PRECONDITION_FAILED and nothing changes. Optional */
                "if-match"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
        };
    };
    startConnectionOAuth: {
        parameters: {
            query?: {
                /** @description "ui": the callback sends the browser back to /connections?connected=<id> (a cookie remembers it) */
                returnTo?: "ui";
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description `{ authorizeUrl }`, when the request's `Accept` names application/json */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            /** @description To the provider's authorize page (`Location`) */
            302: {
                headers: {
                    /** @description Where to go */
                    location?: string;
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    listConnectionObjects: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The connection's id or name */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            createable: boolean;
                            label: string;
                            name: string;
                        }[];
                    };
                };
            };
        };
    };
    describeConnectionObject: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The connection's id or name */
                id: string;
                /** @description The object's API name */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        fields: {
                            createable: boolean;
                            label: string;
                            length: number;
                            name: string;
                            /** @description Active values, for picklist fields */
                            picklistValues?: string[];
                            /** @description createable, not nillable and not defaulted on create */
                            required: boolean;
                            type: string;
                            updateable: boolean;
                        }[];
                        label: string;
                        name: string;
                    };
                };
            };
        };
    };
    testConnection: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
        };
    };
    listContacts: {
        parameters: {
            query?: {
                /** @description Only contacts with an identity on this channel */
                channelId?: string;
                /** @description The previous page's nextCursor: continues after its last contact, whatever was created since */
                cursor?: string;
                limit?: number;
                /** @description Contacts to skip (newest first); a contact created meanwhile shifts the pages: prefer `cursor` */
                offset?: number;
                /** @description Only contacts with this phone number (E.164) */
                phone?: string;
                /** @description Only contacts with this tag */
                tag?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Contact"][];
                        nextCursor: string | null;
                        nextOffset: number | null;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    eraseContactsByPhone: {
        parameters: {
            query: {
                phone: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Erasure queued in the conversation's turn (PostgreSQL, no worker running now): `{ status: "queued", message }` */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            /** @description Erased */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    getContact: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        attributes: {
                            [key: string]: unknown;
                        };
                        createdAt: number;
                        id: string;
                        identities: components["schemas"]["Identity"][];
                        messages: {
                            [key: string]: unknown;
                        }[];
                        name: string | null;
                        phone: string | null;
                        tags: string[];
                        updatedAt: number;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    eraseContact: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Erasure queued in the conversation's turn (PostgreSQL, no worker running now): `{ status: "queued", message }` */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: unknown;
                    };
                };
            };
            /** @description Erased */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    updateContact: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Attributes to set; null deletes one */
                    attributes?: {
                        [key: string]: unknown;
                    };
                    name?: string | null;
                };
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        attributes: {
                            [key: string]: unknown;
                        };
                        createdAt: number;
                        id: string;
                        identities: components["schemas"]["Identity"][];
                        name: string | null;
                        phone: string | null;
                        tags: string[];
                        updatedAt: number;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    mergeContacts: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description The contact merged into this one; it is gone afterwards */
                    from: string;
                };
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        attributes: {
                            [key: string]: unknown;
                        };
                        createdAt: number;
                        id: string;
                        identities: components["schemas"]["Identity"][];
                        name: string | null;
                        phone: string | null;
                        tags: string[];
                        updatedAt: number;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    listContactRecords: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** @description When the step ended (ISO-8601), as the run history shows it */
                            at: string;
                            id: string;
                            /** @description Its object, e.g. Lead, when the step said */
                            object: string | null;
                            runId: string;
                            stepId: string;
                            stepType: string;
                            /** @description The record in the business system (an http(s) URL) */
                            url: string;
                        }[];
                    };
                };
            };
        };
    };
    tagContact: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    add?: string[];
                    remove?: string[];
                };
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        attributes: {
                            [key: string]: unknown;
                        };
                        createdAt: number;
                        id: string;
                        identities: components["schemas"]["Identity"][];
                        name: string | null;
                        phone: string | null;
                        tags: string[];
                        updatedAt: number;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    listFlows: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: ({
                            createdAt: number;
                            id: string;
                            lastRunAt: number | null;
                            latestVersion: number;
                            name: string;
                            owner: string;
                            publishedVersion: number | null;
                            updatedAt: number;
                        } & {
                            [key: string]: unknown;
                        })[];
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    createFlow: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description A flow file (`tern.flow/v1`); its JSON Schema is at GET /api/v1/schema/flow.json */
        requestBody: {
            content: {
                "application/json": unknown;
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Stored as version 1 */
            201: {
                headers: {
                    /** @description The flow's latest version as an entity-tag (`"v7"`): send it in `If-Match` to save on top of it */
                    etag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        name: string;
                        version: number;
                        warnings: components["schemas"]["Problem"][];
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    getFlow: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    /** @description The flow's latest version as an entity-tag (`"v7"`): send it in `If-Match` to save on top of it */
                    etag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        createdAt: number;
                        definition: {
                            [key: string]: unknown;
                        };
                        id: string;
                        latestVersion: number;
                        name: string;
                        owner: string;
                        publishedVersion: number | null;
                        updatedAt: number;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    updateFlow: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the flow (`"v<latestVersion>"`) as read (or *): the change is made only while it is still current, else 412 PRECONDITION_FAILED and nothing changes. Optional */
                "if-match"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        /** @description A flow file (`tern.flow/v1`); its JSON Schema is at GET /api/v1/schema/flow.json */
        requestBody: {
            content: {
                "application/json": unknown;
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description The latest version's file again: nothing stored, `unchanged: true` */
            200: {
                headers: {
                    /** @description The flow's latest version as an entity-tag (`"v7"`): send it in `If-Match` to save on top of it */
                    etag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        name: string;
                        /** @enum {boolean} */
                        unchanged: true;
                        version: number;
                        warnings: components["schemas"]["Problem"][];
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
            /** @description Stored as the flow's next version */
            201: {
                headers: {
                    /** @description The flow's latest version as an entity-tag (`"v7"`): send it in `If-Match` to save on top of it */
                    etag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        name: string;
                        version: number;
                        warnings: components["schemas"]["Problem"][];
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    deleteFlow: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the flow (`"v<latestVersion>"`) as read (or *): the change is made only while it is still current, else 412 PRECONDITION_FAILED and nothing changes. Optional */
                "if-match"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Deleted with all its versions */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    diffFlowVersions: {
        parameters: {
            query: {
                /** @description Version to compare from */
                from: number;
                /** @description Version to compare to */
                to: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
        };
    };
    exportFlow: {
        parameters: {
            query?: {
                version?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
        };
    };
    publishFlow: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the flow (`"v<latestVersion>"`) as read (or *): the change is made only while it is still current, else 412 PRECONDITION_FAILED and nothing changes. Optional */
                "if-match"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** @description Version to publish (default: the latest); an older one rolls back to it */
                    version?: number;
                    /**
                     * @description stay (default): waiting runs finish on the version they started on. move: runs waiting at a step that exists in the new version (same id and type) continue there; the rest stay
                     * @enum {string}
                     */
                    waitingRuns?: "stay" | "move";
                } | null;
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        publishedVersion: number;
                        warnings: components["schemas"]["Problem"][];
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    startFlowRun: {
        parameters: {
            query?: never;
            header?: {
                "idempotency-key"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        /** @description Who the run is for and its input */
        requestBody: {
            content: {
                "application/json": {
                    contact: {
                        /** @description The contact's address on that channel (WhatsApp: the wa_id digits); default from phone */
                        address?: string;
                        /** @description Channel id or name the conversation is on */
                        channel: string;
                        name?: string;
                        /** @description E.164 phone number (joins the contact by phone) */
                        phone?: string;
                    };
                    /**
                     * @description Becomes the run's variables (vars.<name>)
                     * @default {}
                     */
                    input?: {
                        [key: string]: unknown;
                    };
                };
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        flowId: string;
                        flowVersion: number;
                        /** @description true: this Idempotency-Key started the run before; nothing new was queued */
                        replayed: boolean;
                        runId: string;
                        /** @enum {string} */
                        status: "queued";
                    };
                };
            };
        };
    };
    getFlowStats: {
        parameters: {
            query?: {
                /** @description Count runs of this version only (default: all) */
                version?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
        };
    };
    unpublishFlow: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the flow (`"v<latestVersion>"`) as read (or *): the change is made only while it is still current, else 412 PRECONDITION_FAILED and nothing changes. Optional */
                "if-match"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
        };
    };
    listFlowVersions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    /** @description The flow's latest version as an entity-tag (`"v7"`): send it in `If-Match` to save on top of it */
                    etag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: ({
                            createdAt: number;
                            flowId: string;
                            isLatest: boolean;
                            isPublished: boolean;
                            publishedAt: number | null;
                            version: number;
                        } & {
                            [key: string]: unknown;
                        })[];
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    rotateFlowWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, never> | null;
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description A new webhook URL and token */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        token: string;
                        url: string;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    getFlowSchema: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
        };
    };
    validateFlow: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description A flow file (`tern.flow/v1`); its JSON Schema is at GET /api/v1/schema/flow.json */
        requestBody: {
            content: {
                "application/json": unknown;
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        errors: components["schemas"]["Problem"][];
                        valid: boolean;
                        warnings: components["schemas"]["Problem"][];
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    listRuns: {
        parameters: {
            query?: {
                /** @description Runs on this channel (its id) */
                channelId?: string;
                /** @description Runs of this contact */
                contactId?: string;
                /** @description The previous page's nextCursor: continues after its last run */
                cursor?: string;
                /** @description Runs of this flow */
                flowId?: string;
                /** @description Runs on this version of the flow */
                flowVersion?: number;
                /** @description Runs per page */
                limit?: number;
                /** @description Only runs unchanged for at least this long (ISO-8601 duration, e.g. P7D): waiting longer than it */
                olderThan?: string;
                /** @description Runs started at or after this time (ISO 8601, UTC when it names no offset, or ms since the epoch) */
                since?: string;
                status?: "running" | "waiting" | "completed" | "failed" | "ended";
                /** @description Runs on this step: waiting at it, running it, or (failed runs) failed at it */
                stepId?: string;
                /** @description Runs started before this time (ISO 8601, UTC when it names no offset, or ms since the epoch) */
                until?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["RunSummary"][];
                        nextCursor: string | null;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    getRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        channelId: string;
                        contactId: string;
                        createdAt: string;
                        currentStep: string | null;
                        endReason: ({
                            code: string;
                            message: string;
                        } & {
                            [key: string]: unknown;
                        }) | null;
                        error: ({
                            code: string;
                            message: string;
                            stepId: string;
                        } & {
                            [key: string]: unknown;
                        }) | null;
                        flowId: string;
                        flowVersion: number;
                        id: string;
                        /** @enum {string} */
                        status: "running" | "waiting" | "completed" | "failed" | "ended";
                        steps: components["schemas"]["RunStep"][];
                        updatedAt: string;
                        vars: {
                            [key: string]: unknown;
                        };
                        waitingFor: ({
                            /** @enum {string} */
                            for: "reply" | "handoff" | "retry";
                            stepId: string;
                            timeoutAt: number | null;
                        } & {
                            [key: string]: unknown;
                        }) | null;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    endRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        channelId: string;
                        contactId: string;
                        createdAt: string;
                        currentStep: string | null;
                        endReason: ({
                            code: string;
                            message: string;
                        } & {
                            [key: string]: unknown;
                        }) | null;
                        error: ({
                            code: string;
                            message: string;
                            stepId: string;
                        } & {
                            [key: string]: unknown;
                        }) | null;
                        flowId: string;
                        flowVersion: number;
                        id: string;
                        /** @enum {string} */
                        status: "running" | "waiting" | "completed" | "failed" | "ended";
                        updatedAt: string;
                        waitingFor: ({
                            /** @enum {string} */
                            for: "reply" | "handoff" | "retry";
                            stepId: string;
                            timeoutAt: number | null;
                        } & {
                            [key: string]: unknown;
                        }) | null;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    listRunMessages: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: ({
                            channelId: string;
                            createdAt: string;
                            /** @enum {string} */
                            direction: "in" | "out";
                            id: string;
                            status: string;
                            text: string | null;
                        } & {
                            [key: string]: unknown;
                        })[];
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    releaseRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** @description Shown in the run history */
                    note?: string;
                } | null;
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Queued in the conversation's turn */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        runId: string;
                        /** @enum {string} */
                        status: "queued";
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    retryRun: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        channelId: string;
                        contactId: string;
                        createdAt: string;
                        currentStep: string | null;
                        endReason: ({
                            code: string;
                            message: string;
                        } & {
                            [key: string]: unknown;
                        }) | null;
                        error: ({
                            code: string;
                            message: string;
                            stepId: string;
                        } & {
                            [key: string]: unknown;
                        }) | null;
                        flowId: string;
                        flowVersion: number;
                        id: string;
                        /** @enum {string} */
                        status: "running" | "waiting" | "completed" | "failed" | "ended";
                        updatedAt: string;
                        waitingFor: ({
                            /** @enum {string} */
                            for: "reply" | "handoff" | "retry";
                            stepId: string;
                            timeoutAt: number | null;
                        } & {
                            [key: string]: unknown;
                        }) | null;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    endRuns: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Ends the active runs matching every given filter, at most `limit`; returns how many */
        requestBody: {
            content: {
                "application/json": {
                    /** @description Runs on this channel (its id) */
                    channelId?: string;
                    /** @description Runs of this contact */
                    contactId?: string;
                    /** @description Runs of this flow */
                    flowId?: string;
                    /** @description Runs on this version of the flow */
                    flowVersion?: number;
                    /**
                     * @description Ends at most this many (oldest first); call again for more
                     * @default 1000
                     */
                    limit?: number;
                    /** @description Only runs unchanged for at least this long (ISO-8601 duration, e.g. P7D): waiting longer than it */
                    olderThan?: string;
                    /** @description Runs started at or after this time (ISO 8601, UTC when it names no offset, or ms since the epoch) */
                    since?: string;
                    /**
                     * @description Only waiting, or only running runs (default: both; other runs are already final)
                     * @enum {string}
                     */
                    status?: "waiting" | "running";
                    /** @description Runs on this step: waiting at it, running it, or (failed runs) failed at it */
                    stepId?: string;
                    /** @description Runs started before this time (ISO 8601, UTC when it names no offset, or ms since the epoch) */
                    until?: string;
                };
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        ended: number;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    getSandbox: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
        };
    };
    getSandboxConversation: {
        parameters: {
            query?: {
                /** @description Channel type to play the customer on: whatsapp, line, wechat, messenger, instagram, telegram, viber, twilio, vonage, bird, rcs */
                channel?: string;
            };
            header?: never;
            path: {
                from: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
        };
    };
    playSandboxCustomer: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @description Channel type to play the customer on: whatsapp, line, wechat, messenger, instagram, telegram, viber, twilio, vonage, bird, rcs
                     * @default whatsapp
                     */
                    channel?: string;
                    /** @description Or: the title of a button (keyboard key, quick reply, list row) the customer taps in the last message that had it */
                    choice?: string;
                    from: string;
                    /** @description The customer's display name, kept for their later messages (default: the name given before, by Try it too, else Sandbox customer) */
                    name?: string;
                    /** @description What the customer types */
                    text?: string;
                };
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description The sandbox customer's webhook was accepted */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {boolean} */
                        accepted: true;
                        channel: string;
                        channelId: string;
                    } & {
                        [key: string]: unknown;
                    };
                };
            };
        };
    };
    trySandboxFlow: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description What to try and as whom */
        requestBody: {
            content: {
                "application/json": {
                    /** @description Channel type the customer is on, one the sandbox simulates (whatsapp, line, wechat, messenger, instagram, telegram, viber, twilio, vonage, bird, rcs); default: the first of the flow's message-trigger channels the sandbox has, else whatsapp */
                    channel?: string;
                    /** @description The flow to try */
                    flowId: string;
                    /** @description The customer's id on the channel (WhatsApp: digits); default a new one */
                    from?: string;
                    /** @description The customer's display name */
                    name?: string;
                    /** @description The version to run, a draft too (default: the latest) */
                    version?: number;
                };
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description The channel type the customer is on */
                        channel: string;
                        flowId: string;
                        flowVersion: number;
                        /** @description The customer's id on it (for /sandbox/messages and /conversations) */
                        from: string;
                        runId: string;
                    };
                };
            };
        };
    };
    getSession: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * Format: date-time
                         * @description When the session ends; sign in again then
                         */
                        expiresAt: string;
                        /** @enum {boolean} */
                        signedIn: true;
                    };
                };
            };
            /** @description Default Response */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @enum {string} */
                            code: "UNAUTHORIZED";
                            details: {
                                /** @description How this server accepts a sign-in: `"token"` (always) and `"password"` when TERN_ADMIN_USER and TERN_ADMIN_PASSWORD are set. Names no user and no secret. */
                                methods: ("token" | "password")[];
                            };
                            message: string;
                        };
                    };
                };
            };
        };
    };
    signIn: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description The admin token (TERN_ADMIN_TOKEN or the data directory's file) */
                    token: string;
                } | {
                    /** @description TERN_ADMIN_PASSWORD */
                    password: string;
                    /** @description TERN_ADMIN_USER */
                    user: string;
                };
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {boolean} */
                        signedIn: true;
                    };
                };
            };
        };
    };
    signOut: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Signed out */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    getKeywords: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
        };
    };
    setKeywords: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @description Hand the conversation to a person: the run pauses until released
                     * @default [
                     *       "AGENT"
                     *     ]
                     */
                    agent?: string[];
                    /**
                     * @description End the current run and start its flow afresh
                     * @default [
                     *       "RESTART"
                     *     ]
                     */
                    restart?: string[];
                    /**
                     * @description Opt back in after STOP
                     * @default [
                     *       "START"
                     *     ]
                     */
                    start?: string[];
                    /**
                     * @description Opt out: the run ends; every later send to the contact is refused
                     * @default [
                     *       "STOP"
                     *     ]
                     */
                    stop?: string[];
                };
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
        };
    };
    listTemplates: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
        };
    };
    runFlowHook: {
        parameters: {
            query?: never;
            header?: {
                "idempotency-key"?: string;
            };
            path: {
                id: string;
                token: string;
            };
            cookie?: never;
        };
        /** @description Who the run is for and its input */
        requestBody: {
            content: {
                "application/json": {
                    contact: {
                        /** @description The contact's address on that channel (WhatsApp: the wa_id digits); default from phone */
                        address?: string;
                        /** @description Channel id or name the conversation is on */
                        channel: string;
                        name?: string;
                        /** @description E.164 phone number (joins the contact by phone) */
                        phone?: string;
                    };
                    /**
                     * @description Becomes the run's variables (vars.<name>)
                     * @default {}
                     */
                    input?: {
                        [key: string]: unknown;
                    };
                };
            };
        };
        responses: {
            "4XX": components["responses"]["Refused"];
            "5XX": components["responses"]["Failed"];
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        flowId: string;
                        flowVersion: number;
                        /** @description true: this Idempotency-Key started the run before; nothing new was queued */
                        replayed: boolean;
                        runId: string;
                        /** @enum {string} */
                        status: "queued";
                    };
                };
            };
        };
    };
}
