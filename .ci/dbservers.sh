#!/usr/bin/env bash
# Throw-away MariaDB and PostgreSQL servers for the db_mysql / db_postgres
# tests: loopback only, data under a temporary directory.
#
#   dbservers.sh start [mysql|pg]   install if missing, initialise, start, write the env file
#   dbservers.sh stop  [mysql|pg]   stop; "stop" alone also deletes the data and the env file
#   dbservers.sh restart mysql|pg   stop and start one server, keeping its data
#   dbservers.sh status
#
# The env file (GOSIPS_DBSERVERS_ENV, default /tmp/gosips-dbservers.env)
# holds GOSIPS_TEST_MYSQL_URL and GOSIPS_TEST_PG_URL, and the commands the
# outage tests run to stop and start each server. Every wait is bounded.
set -euo pipefail

BASE=${GOSIPS_DBSERVERS_DIR:-/tmp/gosips-dbservers}
ENV_FILE=${GOSIPS_DBSERVERS_ENV:-/tmp/gosips-dbservers.env}
MYSQL_PORT=${GOSIPS_MYSQL_PORT:-13306}
PG_PORT=${GOSIPS_PG_PORT:-15432}
DB_USER=opensips
DB_PASS=opensipsrw
DB_NAME=opensips
WAIT=${GOSIPS_DBSERVERS_WAIT:-60} # seconds per readiness wait

SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
MY_DIR=$BASE/mysql
MY_SOCK=$MY_DIR/mysqld.sock
MY_PID=$MY_DIR/mysqld.pid
PG_DIR=$BASE/pg

log() { echo "dbservers: $*" >&2; }
die() {
	log "$*"
	exit 1
}

as_root() { [ "$(id -u)" -eq 0 ] || die "must run as root (installs packages, runs servers as mysql/postgres)"; }

install_missing() {
	local need=()
	command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
	command -v mariadb >/dev/null 2>&1 || need+=(mariadb-client)
	pg_bin >/dev/null 2>&1 || need+=(postgresql)
	if [ ${#need[@]} -gt 0 ]; then
		log "installing ${need[*]}"
		export DEBIAN_FRONTEND=noninteractive
		timeout 600 apt-get update -qq
		# The packages' own services must not grab the default ports.
		timeout 900 apt-get install -y -qq "${need[@]}" >/dev/null
	fi
}

pg_bin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -n "$d" ] && [ -x "$d/initdb" ] || return 1
	echo "$d"
}

# wait_for DESC CMD...: run CMD every half second until it succeeds or WAIT
# seconds pass.
wait_for() {
	local desc=$1
	shift
	local deadline=$((SECONDS + WAIT))
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.5
	done
	log "$desc ready"
}

# --- MariaDB ---------------------------------------------------------------

my_ping() { mariadb-admin --no-defaults --socket="$MY_SOCK" -uroot --connect-timeout=2 ping; }

mysql_start() {
	mkdir -p "$BASE"
	chmod 755 "$BASE"
	if my_ping >/dev/null 2>&1; then
		log "mariadb already running on 127.0.0.1:$MYSQL_PORT"
	else
		if [ ! -d "$MY_DIR/data/mysql" ]; then
			rm -rf "$MY_DIR"
			mkdir -p "$MY_DIR/data"
			chown -R mysql:mysql "$MY_DIR"
			timeout 300 mariadb-install-db --no-defaults --user=mysql --datadir="$MY_DIR/data" \
				--auth-root-authentication-method=normal --skip-test-db >"$MY_DIR/install.log" 2>&1 ||
				die "mariadb-install-db failed, see $MY_DIR/install.log"
		fi
		log "starting mariadb on 127.0.0.1:$MYSQL_PORT"
		setsid mariadbd --no-defaults --user=mysql --datadir="$MY_DIR/data" --socket="$MY_SOCK" \
			--pid-file="$MY_PID" --port="$MYSQL_PORT" --bind-address=127.0.0.1 --skip-name-resolve \
			--log-error="$MY_DIR/error.log" --innodb-buffer-pool-size=64M --max-connections=300 \
			</dev/null >/dev/null 2>&1 &
		wait_for mariadb my_ping || die "mariadb not ready after ${WAIT}s, see $MY_DIR/error.log"
	fi
	# Idempotent: the user may create and drop the per-test databases.
	mariadb --no-defaults --socket="$MY_SOCK" -uroot <<-SQL
		CREATE DATABASE IF NOT EXISTS $DB_NAME;
		CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
		CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
		GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'127.0.0.1';
		GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'localhost';
		FLUSH PRIVILEGES;
	SQL
}

mysql_stop() {
	[ -f "$MY_PID" ] || return 0
	local pid
	pid=$(cat "$MY_PID" 2>/dev/null || true)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		log "stopping mariadb (pid $pid)"
		kill -TERM "$pid"
		local deadline=$((SECONDS + WAIT))
		while kill -0 "$pid" 2>/dev/null; do
			if [ $SECONDS -ge $deadline ]; then
				kill -KILL "$pid" 2>/dev/null || true
				break
			fi
			sleep 0.2
		done
	fi
	rm -f "$MY_PID"
}

# --- PostgreSQL ------------------------------------------------------------

as_pg() { su postgres -s /bin/sh -c "$*"; }

pg_ready() { "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2; }

pg_start() {
	local bin
	bin=$(pg_bin) || die "postgresql is not installed"
	mkdir -p "$BASE"
	chmod 755 "$BASE"
	if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
		rm -rf "$PG_DIR"
		mkdir -p "$PG_DIR"
		chown postgres:postgres "$PG_DIR"
		# Root may not run PostgreSQL: the cluster belongs to postgres.
		timeout 300 su postgres -s /bin/sh -c "'$bin/initdb' -D '$PG_DIR/data' -U postgres -E UTF8 --locale=C \
			--auth-local=trust --auth-host=scram-sha-256" >"$PG_DIR/initdb.log" 2>&1 ||
			die "initdb failed, see $PG_DIR/initdb.log"
	fi
	if pg_ready; then
		log "postgresql already running on 127.0.0.1:$PG_PORT"
	else
		log "starting postgresql on 127.0.0.1:$PG_PORT"
		as_pg "'$bin/pg_ctl' -D '$PG_DIR/data' -l '$PG_DIR/server.log' -w -t $WAIT \
			-o \"-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off\" start" >/dev/null ||
			die "postgresql did not start, see $PG_DIR/server.log"
		wait_for postgresql pg_ready || die "postgresql not ready after ${WAIT}s, see $PG_DIR/server.log"
	fi
	local psql="'$bin/psql' -X -q -v ON_ERROR_STOP=1 -h '$PG_DIR' -p $PG_PORT -U postgres"
	as_pg "$psql -d postgres" <<-SQL
		DO \$\$ BEGIN
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
				CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASS';
			END IF;
		END \$\$;
		-- Tests drop their databases WITH (FORCE), which must be able to
		-- end autovacuum workers too.
		GRANT pg_signal_backend TO $DB_USER;
	SQL
	if ! as_pg "$psql -d postgres -tAc \"SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'\"" | grep -q 1; then
		as_pg "$psql -d postgres -c 'CREATE DATABASE $DB_NAME OWNER $DB_USER'"
	fi
}

pg_stop() {
	local bin
	bin=$(pg_bin) || return 0
	[ -f "$PG_DIR/data/postmaster.pid" ] || return 0
	log "stopping postgresql"
	as_pg "'$bin/pg_ctl' -D '$PG_DIR/data' -m fast -w -t $WAIT stop" >/dev/null 2>&1 || true
}

# --- env file --------------------------------------------------------------

write_env() {
	local tmp=$ENV_FILE.tmp
	cat >"$tmp" <<-EOF
		GOSIPS_TEST_MYSQL_URL=mysql://$DB_USER:$DB_PASS@127.0.0.1:$MYSQL_PORT/$DB_NAME
		GOSIPS_TEST_PG_URL=postgres://$DB_USER:$DB_PASS@127.0.0.1:$PG_PORT/$DB_NAME
		GOSIPS_TEST_MYSQL_STOP="$SELF stop mysql"
		GOSIPS_TEST_MYSQL_START="$SELF start mysql"
		GOSIPS_TEST_PG_STOP="$SELF stop pg"
		GOSIPS_TEST_PG_START="$SELF start pg"
	EOF
	mv "$tmp" "$ENV_FILE"
	log "wrote $ENV_FILE"
}

# --- main ------------------------------------------------------------------

cmd=${1:-}
which=${2:-all}
case "$which" in all | mysql | pg) ;; *) die "unknown server $which (want mysql or pg)" ;; esac

case "$cmd" in
start)
	as_root
	install_missing
	[ "$which" = pg ] || mysql_start
	[ "$which" = mysql ] || pg_start
	write_env
	;;
stop)
	as_root
	[ "$which" = pg ] || mysql_stop
	[ "$which" = mysql ] || pg_stop
	if [ "$which" = all ]; then
		rm -rf "$BASE" "$ENV_FILE"
		log "removed $BASE"
	fi
	;;
restart)
	as_root
	[ "$which" != all ] || die "restart needs mysql or pg"
	"$SELF" stop "$which"
	"$SELF" start "$which"
	;;
status)
	if my_ping >/dev/null 2>&1; then echo "mysql: up on 127.0.0.1:$MYSQL_PORT"; else echo "mysql: down"; fi
	if pg_bin >/dev/null 2>&1 && pg_ready; then echo "pg: up on 127.0.0.1:$PG_PORT"; else echo "pg: down"; fi
	;;
*)
	die "usage: $0 start|stop|restart|status [mysql|pg]"
	;;
esac
