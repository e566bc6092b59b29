-- Equivalent of the OpenSIPS 3.6 SQLite schema scripts for the tables
-- gosips uses (standard, usrloc, auth_db, msilo, dispatcher,
-- uac_registrant, avpops, permissions, domain, group, alias_db,
-- drouting, dialplan, speeddial, load_balancer, carrierroute, acc, dialog, tls_mgm, rtpengine,
-- rtpproxy, presence), with the version rows those scripts insert and a few
-- rows as OpenSIPS writes them. Column lists, types, defaults and keys
-- must stay identical to upstream.

create table version (
  table_name char(32) not null,
  table_version integer default 0 not null,
  constraint version_t_name_idx unique (table_name)
);

insert into version (table_name, table_version) values ('location', '1013');
create table location (
  contact_id integer primary key autoincrement not null,
  username char(64) default '' not null,
  domain char(64) default null,
  contact text not null,
  received char(255) default null,
  path char(255) default null,
  expires integer not null,
  q float(10,2) default 1.0 not null,
  callid char(255) default 'Default-Call-ID' not null,
  cseq integer default 13 not null,
  last_modified datetime default '1900-01-01 00:00:01' not null,
  flags integer default 0 not null,
  cflags char(255) default null,
  user_agent char(255) default '' not null,
  socket char(64) default null,
  methods integer default null,
  sip_instance char(255) default null,
  kv_store text(512) default null,
  attr char(255) default null
);

insert into version (table_name, table_version) values ('subscriber', '8');
create table subscriber (
  id integer primary key autoincrement not null,
  username char(64) default '' not null,
  domain char(64) default '' not null,
  password char(25) default '' not null,
  ha1 char(64) default '' not null,
  ha1_sha256 char(64) default '' not null,
  ha1_sha512t256 char(64) default '' not null,
  constraint subscriber_account_idx unique (username, domain)
);
create index subscriber_username_idx on subscriber (username);

insert into version (table_name, table_version) values ('silo', '6');
create table silo (
  id integer primary key autoincrement not null,
  src_addr char(255) default '' not null,
  dst_addr char(255) default '' not null,
  username char(64) default '' not null,
  domain char(64) default '' not null,
  inc_time integer default 0 not null,
  exp_time integer default 0 not null,
  snd_time integer default 0 not null,
  ctype char(255) default null,
  body blob default null
);
create index silo_account_idx on silo (username, domain);

insert into version (table_name, table_version) values ('dispatcher', '9');
create table dispatcher (
  id integer primary key autoincrement not null,
  setid integer default 0 not null,
  destination char(192) default '' not null,
  socket char(128) default null,
  state integer default 0 not null,
  probe_mode integer default 0 not null,
  weight char(64) default 1 not null,
  priority integer default 0 not null,
  attrs char(128) default null,
  description char(64) default null
);

insert into version (table_name, table_version) values ('registrant', '3');
create table registrant (
  id integer primary key autoincrement not null,
  registrar char(255) default '' not null,
  proxy char(255) default null,
  aor char(255) default '' not null,
  third_party_registrant char(255) default null,
  username char(64) default null,
  password char(64) default null,
  binding_URI char(255) default '' not null,
  binding_params char(64) default null,
  expiry integer default null,
  forced_socket char(64) default null,
  cluster_shtag char(64) default null,
  state integer default 0 not null,
  constraint registrant_registrant_idx unique (aor, binding_URI, registrar)
);

insert into version (table_name, table_version) values ('usr_preferences', '3');
create table usr_preferences (
  id integer primary key autoincrement not null,
  uuid char(64) default '' not null,
  username char(64) default 0 not null,
  domain char(64) default '' not null,
  attribute char(32) default '' not null,
  type integer default 0 not null,
  value char(128) default '' not null,
  last_modified datetime default '1900-01-01 00:00:01' not null
);
create index usr_preferences_ua_idx on usr_preferences (uuid, attribute);
create index usr_preferences_uda_idx on usr_preferences (username, domain, attribute);
create index usr_preferences_value_idx on usr_preferences (value);

insert into version (table_name, table_version) values ('address','5');
create table address (
  id integer primary key autoincrement not null,
  grp smallint(5) default 0 not null,
  ip char(50) not null,
  mask smallint default 32 not null,
  port smallint(5) default 0 not null,
  proto char(4) default 'any' not null,
  pattern char(64) default null,
  context_info char(32) default null
);

insert into version (table_name, table_version) values ('domain','4');
create table domain (
  id integer primary key autoincrement not null,
  domain char(64) default '' not null,
  attrs char(255) default null,
  accept_subdomain integer default 0 not null,
  last_modified datetime default '1900-01-01 00:00:01' not null,
  constraint domain_domain_idx unique (domain)
);

insert into version (table_name, table_version) values ('grp','3');
create table grp (
  id integer primary key autoincrement not null,
  username char(64) default '' not null,
  domain char(64) default '' not null,
  grp char(64) default '' not null,
  last_modified datetime default '1900-01-01 00:00:01' not null,
  constraint grp_account_group_idx unique (username, domain, grp)
);

insert into version (table_name, table_version) values ('re_grp','2');
create table re_grp (
  id integer primary key autoincrement not null,
  reg_exp char(128) default '' not null,
  group_id integer default 0 not null
);

create index re_grp_group_idx on re_grp (group_id);

insert into version (table_name, table_version) values ('dbaliases','2');
create table dbaliases (
  id integer primary key autoincrement not null,
  alias_username char(64) default '' not null,
  alias_domain char(64) default '' not null,
  username char(64) default '' not null,
  domain char(64) default '' not null,
  constraint dbaliases_alias_idx unique (alias_username, alias_domain)
);

create index dbaliases_target_idx on dbaliases (username, domain);

insert into version (table_name, table_version) values ('dr_gateways','6');
create table dr_gateways (
  id integer primary key autoincrement not null,
  gwid char(64) not null,
  type integer default 0 not null,
  address char(128) not null,
  strip integer default 0 not null,
  pri_prefix char(16) default null,
  attrs char(255) default null,
  probe_mode integer default 0 not null,
  state integer default 0 not null,
  socket char(128) default null,
  description char(128) default null,
  constraint dr_gateways_dr_gw_idx unique (gwid)
);

insert into version (table_name, table_version) values ('dr_rules','4');
create table dr_rules (
  ruleid integer primary key autoincrement not null,
  groupid char(255) not null,
  prefix char(64) not null,
  timerec char(255) default null,
  priority integer default 0 not null,
  routeid char(255) default null,
  gwlist char(255),
  sort_alg char(1) default 'N' not null,
  sort_profile integer default null,
  attrs char(255) default null,
  description char(128) default null
);

insert into version (table_name, table_version) values ('dr_carriers','3');
create table dr_carriers (
  id integer primary key autoincrement not null,
  carrierid char(64) not null,
  gwlist char(255) not null,
  flags integer default 0 not null,
  sort_alg char(1) default 'N' not null,
  state integer default 0 not null,
  attrs char(255) default null,
  description char(128) default null,
  constraint dr_carriers_dr_carrier_idx unique (carrierid)
);

insert into version (table_name, table_version) values ('dr_groups','2');
create table dr_groups (
  id integer primary key autoincrement not null,
  username char(64) not null,
  domain char(128) default null,
  groupid integer default 0 not null,
  description char(128) default null
);

insert into version (table_name, table_version) values ('dr_partitions','1');
create table dr_partitions (
  id integer primary key autoincrement not null,
  partition_name char(255) not null,
  db_url char(255) not null,
  drd_table char(255),
  drr_table char(255),
  drg_table char(255),
  drc_table char(255),
  ruri_avp char(255),
  gw_id_avp char(255),
  gw_priprefix_avp char(255),
  gw_sock_avp char(255),
  rule_id_avp char(255),
  rule_prefix_avp char(255),
  carrier_id_avp char(255)
);

insert into version (table_name, table_version) values ('dialplan','5');
create table dialplan (
  id integer primary key autoincrement not null,
  dpid integer not null,
  pr integer default 0 not null,
  match_op integer not null,
  match_exp char(64) not null,
  match_flags integer default 0 not null,
  subst_exp char(64) default null,
  repl_exp char(32) default null,
  timerec char(255) default null,
  disabled integer default 0 not null,
  attrs char(255) default null
);

insert into version (table_name, table_version) values ('speed_dial','3');
create table speed_dial (
  id integer primary key autoincrement not null,
  username char(64) default '' not null,
  domain char(64) default '' not null,
  sd_username char(64) default '' not null,
  sd_domain char(64) default '' not null,
  new_uri char(255) default '' not null,
  fname char(64) default '' not null,
  lname char(64) default '' not null,
  description char(64) default '' not null,
  constraint speed_dial_speed_dial_idx unique (username, domain, sd_domain, sd_username)
);

insert into version (table_name, table_version) values ('load_balancer','3');
create table load_balancer (
  id integer primary key autoincrement not null,
  group_id integer default 0 not null,
  dst_uri char(128) not null,
  resources char(255) not null,
  probe_mode integer default 0 not null,
  attrs char(255) default null,
  description char(128) default null
);

create index load_balancer_dsturi_idx on load_balancer (dst_uri);

insert into version (table_name, table_version) values ('carrierroute','3');
create table carrierroute (
  id integer primary key autoincrement not null,
  carrier integer default 0 not null,
  domain char(64) default '' not null,
  scan_prefix char(64) default '' not null,
  flags integer default 0 not null,
  mask integer default 0 not null,
  prob float default 0 not null,
  strip integer default 0 not null,
  rewrite_host char(255) default '' not null,
  rewrite_prefix char(64) default '' not null,
  rewrite_suffix char(64) default '' not null,
  description char(255) default null
);

insert into version (table_name, table_version) values ('carrierfailureroute','2');
create table carrierfailureroute (
  id integer primary key autoincrement not null,
  carrier integer default 0 not null,
  domain char(64) default '' not null,
  scan_prefix char(64) default '' not null,
  host_name char(255) default '' not null,
  reply_code char(3) default '' not null,
  flags integer default 0 not null,
  mask integer default 0 not null,
  next_domain char(64) default '' not null,
  description char(255) default null
);

insert into version (table_name, table_version) values ('route_tree','2');
create table route_tree (
  id integer primary key autoincrement not null,
  carrier char(64) default null
);

INSERT INTO version (table_name, table_version) values ('acc','7');
CREATE TABLE acc (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    method CHAR(16) DEFAULT '' NOT NULL,
    from_tag CHAR(64) DEFAULT '' NOT NULL,
    to_tag CHAR(64) DEFAULT '' NOT NULL,
    callid CHAR(64) DEFAULT '' NOT NULL,
    sip_code CHAR(3) DEFAULT '' NOT NULL,
    sip_reason CHAR(32) DEFAULT '' NOT NULL,
    time DATETIME NOT NULL,
    duration INTEGER DEFAULT 0 NOT NULL,
    ms_duration INTEGER DEFAULT 0 NOT NULL,
    setuptime INTEGER DEFAULT 0 NOT NULL,
    created DATETIME DEFAULT NULL
);

CREATE INDEX acc_callid_idx  ON acc (callid);

INSERT INTO version (table_name, table_version) values ('missed_calls','5');
CREATE TABLE missed_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    method CHAR(16) DEFAULT '' NOT NULL,
    from_tag CHAR(64) DEFAULT '' NOT NULL,
    to_tag CHAR(64) DEFAULT '' NOT NULL,
    callid CHAR(64) DEFAULT '' NOT NULL,
    sip_code CHAR(3) DEFAULT '' NOT NULL,
    sip_reason CHAR(32) DEFAULT '' NOT NULL,
    time DATETIME NOT NULL,
    setuptime INTEGER DEFAULT 0 NOT NULL,
    created DATETIME DEFAULT NULL
);

CREATE INDEX missed_calls_callid_idx  ON missed_calls (callid);

INSERT INTO version (table_name, table_version) values ('dialog','12');
CREATE TABLE dialog (
    dlg_id BIGINT(10) PRIMARY KEY NOT NULL,
    callid CHAR(255) NOT NULL,
    from_uri CHAR(255) NOT NULL,
    from_tag CHAR(64) NOT NULL,
    to_uri CHAR(255) NOT NULL,
    to_tag CHAR(64) NOT NULL,
    mangled_from_uri CHAR(255) DEFAULT NULL,
    mangled_to_uri CHAR(255) DEFAULT NULL,
    caller_cseq CHAR(11) NOT NULL,
    callee_cseq CHAR(11) NOT NULL,
    caller_ping_cseq INTEGER NOT NULL,
    callee_ping_cseq INTEGER NOT NULL,
    caller_route_set TEXT(512),
    callee_route_set TEXT(512),
    caller_contact CHAR(255),
    callee_contact CHAR(255),
    caller_sock CHAR(64) NOT NULL,
    callee_sock CHAR(64) NOT NULL,
    state INTEGER NOT NULL,
    start_time INTEGER NOT NULL,
    timeout INTEGER NOT NULL,
    vars BLOB(4096) DEFAULT NULL,
    profiles TEXT(512) DEFAULT NULL,
    script_flags CHAR(255) DEFAULT NULL,
    module_flags INTEGER DEFAULT 0 NOT NULL,
    flags INTEGER DEFAULT 0 NOT NULL,
    rt_on_answer CHAR(64) DEFAULT NULL,
    rt_on_timeout CHAR(64) DEFAULT NULL,
    rt_on_hangup CHAR(64) DEFAULT NULL
);

INSERT INTO version (table_name, table_version) values ('tls_mgm','3');
CREATE TABLE tls_mgm (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    domain CHAR(64) NOT NULL,
    match_ip_address CHAR(255) DEFAULT NULL,
    match_sip_domain CHAR(255) DEFAULT NULL,
    type INTEGER DEFAULT 1 NOT NULL,
    method CHAR(16) DEFAULT 'SSLv23',
    verify_cert INTEGER DEFAULT 1,
    require_cert INTEGER DEFAULT 1,
    certificate BLOB,
    private_key BLOB,
    crl_check_all INTEGER DEFAULT 0,
    crl_dir CHAR(255) DEFAULT NULL,
    ca_list BLOB DEFAULT NULL,
    ca_dir CHAR(255) DEFAULT NULL,
    cipher_list CHAR(255) DEFAULT NULL,
    dh_params BLOB DEFAULT NULL,
    ec_curve CHAR(255) DEFAULT NULL,
    CONSTRAINT tls_mgm_domain_type_idx  UNIQUE (domain, type)
);

-- Rows: a contact whose last_modified is the text default, one written by
-- db_sqlite (which binds datetimes as Unix seconds), a subscriber and a
-- gateway using the weight default.
insert into location (username, contact, expires) values ('alice', 'sip:alice@192.0.2.1', 1893456000);
insert into location (username, contact, expires, q, last_modified, methods) values ('bob', 'sip:bob@192.0.2.2', 1893456000, 0.5, 1700000000, 8191);
insert into subscriber (username, domain, password, ha1) values ('alice', 'example.com', 'secret', '5ebe2294ecd0e0f08eab7690d2a6ee69');
insert into dispatcher (setid, destination) values (1, 'sip:10.0.0.1:5060');

INSERT INTO version (table_name, table_version) values ('rtpengine','1');
CREATE TABLE rtpengine (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    socket TEXT NOT NULL,
    set_id INTEGER NOT NULL
);


INSERT INTO version (table_name, table_version) values ('rtpproxy_sockets','0');
CREATE TABLE rtpproxy_sockets (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    rtpproxy_sock TEXT NOT NULL,
    set_id INTEGER NOT NULL
);


INSERT INTO version (table_name, table_version) values ('presentity','5');
CREATE TABLE presentity (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    username CHAR(64) NOT NULL,
    domain CHAR(64) NOT NULL,
    event CHAR(64) NOT NULL,
    etag CHAR(64) NOT NULL,
    expires INTEGER NOT NULL,
    received_time INTEGER NOT NULL,
    body BLOB DEFAULT NULL,
    extra_hdrs BLOB DEFAULT NULL,
    sender CHAR(255) DEFAULT NULL,
    CONSTRAINT presentity_presentity_idx  UNIQUE (username, domain, event, etag)
);

INSERT INTO version (table_name, table_version) values ('active_watchers','12');
CREATE TABLE active_watchers (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    presentity_uri CHAR(255) NOT NULL,
    watcher_username CHAR(64) NOT NULL,
    watcher_domain CHAR(64) NOT NULL,
    to_user CHAR(64) NOT NULL,
    to_domain CHAR(64) NOT NULL,
    event CHAR(64) DEFAULT 'presence' NOT NULL,
    event_id CHAR(64),
    to_tag CHAR(64) NOT NULL,
    from_tag CHAR(64) NOT NULL,
    callid CHAR(64) NOT NULL,
    local_cseq INTEGER NOT NULL,
    remote_cseq INTEGER NOT NULL,
    contact CHAR(255) NOT NULL,
    record_route TEXT,
    expires INTEGER NOT NULL,
    status INTEGER DEFAULT 2 NOT NULL,
    reason CHAR(64),
    version INTEGER DEFAULT 0 NOT NULL,
    socket_info CHAR(64) NOT NULL,
    local_contact CHAR(255) NOT NULL,
    sharing_tag CHAR(32) DEFAULT NULL,
    CONSTRAINT ORA_active_watchers_idx  UNIQUE (presentity_uri, callid, to_tag, from_tag)
);

INSERT INTO version (table_name, table_version) values ('watchers','4');
CREATE TABLE watchers (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    presentity_uri CHAR(255) NOT NULL,
    watcher_username CHAR(64) NOT NULL,
    watcher_domain CHAR(64) NOT NULL,
    event CHAR(64) DEFAULT 'presence' NOT NULL,
    status INTEGER NOT NULL,
    reason CHAR(64),
    inserted_time INTEGER NOT NULL,
    CONSTRAINT watchers_watcher_idx  UNIQUE (presentity_uri, watcher_username, watcher_domain, event)
);

INSERT INTO version (table_name, table_version) values ('xcap','4');
CREATE TABLE xcap (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    username CHAR(64) NOT NULL,
    domain CHAR(64) NOT NULL,
    doc BLOB NOT NULL,
    doc_type INTEGER NOT NULL,
    etag CHAR(64) NOT NULL,
    source INTEGER NOT NULL,
    doc_uri CHAR(255) NOT NULL,
    port INTEGER NOT NULL,
    CONSTRAINT xcap_account_doc_type_idx  UNIQUE (username, domain, doc_type, doc_uri)
);

CREATE INDEX xcap_source_idx  ON xcap (source);

INSERT INTO version (table_name, table_version) values ('pua','9');
CREATE TABLE pua (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    pres_uri CHAR(255) NOT NULL,
    pres_id CHAR(255) NOT NULL,
    event INTEGER NOT NULL,
    expires INTEGER NOT NULL,
    desired_expires INTEGER NOT NULL,
    flag INTEGER NOT NULL,
    etag CHAR(64),
    tuple_id CHAR(64),
    watcher_uri CHAR(255),
    to_uri CHAR(255),
    call_id CHAR(64),
    to_tag CHAR(64),
    from_tag CHAR(64),
    cseq INTEGER,
    record_route TEXT,
    contact CHAR(255),
    remote_contact CHAR(255),
    version INTEGER,
    extra_headers TEXT,
    sharing_tag CHAR(32) DEFAULT NULL
);

CREATE INDEX pua_del1_idx  ON pua (pres_uri, event);
CREATE INDEX pua_del2_idx  ON pua (expires);
CREATE INDEX pua_update_idx  ON pua (pres_uri, pres_id, flag, event);


INSERT INTO version (table_name, table_version) values ('userblacklist','2');
CREATE TABLE userblacklist (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    username CHAR(64) DEFAULT '' NOT NULL,
    domain CHAR(64) DEFAULT '' NOT NULL,
    prefix CHAR(64) DEFAULT '' NOT NULL,
    whitelist TINYINT(1) DEFAULT 0 NOT NULL
);

CREATE INDEX ORA_userblacklist_idx  ON userblacklist (username, domain, prefix);

INSERT INTO version (table_name, table_version) values ('globalblacklist','2');
CREATE TABLE globalblacklist (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    prefix CHAR(64) DEFAULT '' NOT NULL,
    whitelist TINYINT(1) DEFAULT 0 NOT NULL,
    description CHAR(255) DEFAULT NULL
);

CREATE INDEX ORA_globalblacklist_idx  ON globalblacklist (prefix);

INSERT INTO version (table_name, table_version) values ('imc_rooms','2');
CREATE TABLE imc_rooms (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name CHAR(64) NOT NULL,
    domain CHAR(64) NOT NULL,
    flag INTEGER NOT NULL,
    CONSTRAINT imc_rooms_name_domain_idx  UNIQUE (name, domain)
);

INSERT INTO version (table_name, table_version) values ('imc_members','2');
CREATE TABLE imc_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    username CHAR(64) NOT NULL,
    domain CHAR(64) NOT NULL,
    room CHAR(64) NOT NULL,
    flag INTEGER NOT NULL,
    CONSTRAINT imc_members_account_room_idx  UNIQUE (username, domain, room)
);
INSERT INTO version (table_name, table_version) values ('sip_trace','5');
CREATE TABLE sip_trace (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    time_stamp DATETIME DEFAULT '1900-01-01 00:00:01' NOT NULL,
    callid CHAR(255) DEFAULT '' NOT NULL,
    trace_attrs CHAR(255) DEFAULT NULL,
    msg TEXT NOT NULL,
    method CHAR(32) DEFAULT '' NOT NULL,
    status CHAR(255) DEFAULT NULL,
    from_proto CHAR(5) NOT NULL,
    from_ip CHAR(50) DEFAULT '' NOT NULL,
    from_port INTEGER NOT NULL,
    to_proto CHAR(5) NOT NULL,
    to_ip CHAR(50) DEFAULT '' NOT NULL,
    to_port INTEGER NOT NULL,
    fromtag CHAR(64) DEFAULT '' NOT NULL,
    direction CHAR(4) DEFAULT '' NOT NULL
);

CREATE INDEX sip_trace_trace_attrs_idx  ON sip_trace (trace_attrs);
CREATE INDEX sip_trace_date_idx  ON sip_trace (time_stamp);
CREATE INDEX sip_trace_fromip_idx  ON sip_trace (from_ip);
CREATE INDEX sip_trace_callid_idx  ON sip_trace (callid);

INSERT INTO version (table_name, table_version) values ('b2b_entities','2');
CREATE TABLE b2b_entities (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    type INTEGER NOT NULL,
    state INTEGER NOT NULL,
    ruri CHAR(255),
    from_uri CHAR(255) NOT NULL,
    to_uri CHAR(255) NOT NULL,
    from_dname CHAR(64),
    to_dname CHAR(64),
    tag0 CHAR(64) NOT NULL,
    tag1 CHAR(64),
    callid CHAR(128) NOT NULL,
    cseq0 INTEGER NOT NULL,
    cseq1 INTEGER,
    contact0 CHAR(255) NOT NULL,
    contact1 CHAR(255),
    route0 TEXT,
    route1 TEXT,
    sockinfo_srv CHAR(64),
    param CHAR(255) NOT NULL,
    mod_name CHAR(32) NOT NULL,
    storage BLOB(4096) DEFAULT NULL,
    lm INTEGER NOT NULL,
    lrc INTEGER,
    lic INTEGER,
    leg_cseq INTEGER,
    leg_route TEXT,
    leg_tag CHAR(64),
    leg_contact CHAR(255),
    leg_sockinfo CHAR(255),
    CONSTRAINT b2b_entities_b2b_entities_idx  UNIQUE (type, tag0, tag1, callid)
);

CREATE INDEX ORA_b2b_entities_param  ON b2b_entities (param);

INSERT INTO version (table_name, table_version) values ('b2b_logic','5');
CREATE TABLE b2b_logic (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    si_key CHAR(64) NOT NULL,
    scenario CHAR(64),
    sstate INTEGER NOT NULL,
    lifetime INTEGER DEFAULT 0 NOT NULL,
    e1_type INTEGER NOT NULL,
    e1_sid CHAR(64),
    e1_from CHAR(255) NOT NULL,
    e1_to CHAR(255) NOT NULL,
    e1_key CHAR(64) NOT NULL,
    e1_sdp TEXT,
    e2_type INTEGER NOT NULL,
    e2_sid CHAR(64),
    e2_from CHAR(255) NOT NULL,
    e2_to CHAR(255) NOT NULL,
    e2_key CHAR(64) NOT NULL,
    e2_sdp TEXT,
    e3_type INTEGER,
    e3_sid CHAR(64),
    e3_from CHAR(255),
    e3_to CHAR(255),
    e3_key CHAR(64),
    CONSTRAINT b2b_logic_b2b_logic_idx  UNIQUE (si_key)
);

INSERT INTO version (table_name, table_version) values ('rls_presentity','1');
CREATE TABLE rls_presentity (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    rlsubs_did CHAR(255) NOT NULL,
    resource_uri CHAR(255) NOT NULL,
    content_type CHAR(255) NOT NULL,
    presence_state BLOB NOT NULL,
    expires INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    auth_state INTEGER NOT NULL,
    reason CHAR(64) NOT NULL,
    CONSTRAINT ORA_rls_presentity_idx  UNIQUE (rlsubs_did, resource_uri)
);

CREATE INDEX rls_presentity_updated_idx  ON rls_presentity (updated);

INSERT INTO version (table_name, table_version) values ('rls_watchers','2');
CREATE TABLE rls_watchers (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    presentity_uri CHAR(255) NOT NULL,
    to_user CHAR(64) NOT NULL,
    to_domain CHAR(64) NOT NULL,
    watcher_username CHAR(64) NOT NULL,
    watcher_domain CHAR(64) NOT NULL,
    event CHAR(64) DEFAULT 'presence' NOT NULL,
    event_id CHAR(64),
    to_tag CHAR(64) NOT NULL,
    from_tag CHAR(64) NOT NULL,
    callid CHAR(64) NOT NULL,
    local_cseq INTEGER NOT NULL,
    remote_cseq INTEGER NOT NULL,
    contact CHAR(64) NOT NULL,
    record_route TEXT,
    expires INTEGER NOT NULL,
    status INTEGER DEFAULT 2 NOT NULL,
    reason CHAR(64) NOT NULL,
    version INTEGER DEFAULT 0 NOT NULL,
    socket_info CHAR(64) NOT NULL,
    local_contact CHAR(255) NOT NULL,
    CONSTRAINT rls_watchers_rls_watcher_idx  UNIQUE (presentity_uri, callid, to_tag, from_tag)
);

