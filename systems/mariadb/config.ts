/**
 * MariaDB's server configuration per mode, as text (pure). Semantics from the MariaDB manual: replication
 * with GTIDs (`MASTER_USE_GTID=slave_pos`, `log_slave_updates` so a promoted replica has a binlog) and
 * Galera (`wsrep_*`, `binlog_format=ROW`, `innodb_autoinc_lock_mode=2`, rsync state transfer).
 */

/** The isolation levels `--opt isolation` takes, by their SQL-standard names. */
export type Isolation = 'read-committed' | 'repeatable-read' | 'serializable';
export const ISOLATIONS: readonly Isolation[] = ['read-committed', 'repeatable-read', 'serializable'];
/** MariaDB's default (InnoDB REPEATABLE READ), used when `--opt isolation` is not given. */
export const DEFAULT_ISOLATION: Isolation = 'repeatable-read';

/** The SQL name of an isolation level (`REPEATABLE READ`). */
export const isolationSql = (i: Isolation): string => i.toUpperCase().replace('-', ' ');

export type MariadbMode = 'single' | 'replica' | 'galera';
export const MODES: readonly MariadbMode[] = ['single', 'replica', 'galera'];

export const MARIADB_PORT = 3306;
export const BASE_DIR = '/var/lib/faultline-mariadb';
export const DATA_DIR = `${BASE_DIR}/data`;
export const CONF_FILE = `${BASE_DIR}/my.cnf`;
export const SOCKET = '/run/mysqld/mysqld.sock';
export const LOG_FILE = '/var/log/faultline/mariadb.log';
export const DATABASE = 'faultline';
export const CLIENT_USER = 'faultline';
export const CLIENT_PASSWORD = 'faultline';
export const REPL_USER = 'repl';
export const REPL_PASSWORD = 'repl';

/** What a node's my.cnf depends on. */
export interface NodeConfig {
  mode: MariadbMode;
  /** 1-based position of the node (n1 = 1): the server_id. */
  serverId: number;
  name: string;
  ip: string;
  /** Every node's IP (galera's gcomm:// address). */
  clusterIps: string[];
  isolation: Isolation;
}

/** The node's my.cnf (read with --defaults-file, so Debian's /etc/mysql files do not apply). */
export function myCnf(c: NodeConfig): string {
  const lines = [
    '[mysqld]',
    'user=mysql',
    `datadir=${DATA_DIR}`,
    `socket=${SOCKET}`,
    `port=${MARIADB_PORT}`,
    'bind-address=0.0.0.0',
    'skip-name-resolve',
    'performance_schema=OFF',
    'innodb_buffer_pool_size=64M',
    'innodb_flush_log_at_trx_commit=1',
    'max_connections=300',
    `transaction_isolation=${isolationSql(c.isolation).replace(' ', '-')}`,
    `server_id=${c.serverId}`,
  ];
  if (c.mode === 'replica')
    lines.push(
      'log_bin=binlog',
      'log_slave_updates=ON',
      'binlog_format=ROW',
      'sync_binlog=1',
      'gtid_domain_id=0',
      // A replica notices a silent primary within seconds (default 60 s), reconnecting every second.
      'slave_net_timeout=3',
      // Every node starts read-only; the primary is made writable at run time (failover.ts).
      'read_only=ON',
    );
  if (c.mode === 'galera')
    lines.push(
      'wsrep_on=ON',
      'wsrep_provider=/usr/lib/galera/libgalera_smm.so',
      'wsrep_cluster_name=faultline',
      `wsrep_cluster_address=gcomm://${c.clusterIps.join(',')}`,
      `wsrep_node_address=${c.ip}`,
      `wsrep_node_name=${c.name}`,
      'wsrep_sst_method=rsync',
      'binlog_format=ROW',
      'default_storage_engine=InnoDB',
      'innodb_autoinc_lock_mode=2',
      'wsrep_provider_options="gcache.size=64M"',
    );
  return `${lines.join('\n')}\n`;
}
