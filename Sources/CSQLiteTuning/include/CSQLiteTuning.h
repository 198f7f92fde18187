// sqlite3_db_config is variadic, so Swift cannot call it; this is the one call Stet needs.
#ifndef STET_CSQLITE_TUNING_H
#define STET_CSQLITE_TUNING_H

/// Stops SQLite from checkpointing the WAL when the last connection closes. A short-lived
/// `stet` process would otherwise pay a checkpoint (and its fsyncs) on every command; the
/// WAL is checkpointed by the automatic checkpoint of a later write instead.
/// `db` is a `sqlite3 *`. Returns an SQLite result code.
int stet_sqlite_skip_checkpoint_on_close(void *db);

#endif
