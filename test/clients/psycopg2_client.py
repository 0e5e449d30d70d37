# psycopg2 scenario for test/clients/psycopg2.test.ts: runs the statements it is given, prints one JSON line per step.
# Usage: /usr/bin/python3 psycopg2_client.py DSN STATEMENTS_JSON
import json
import sys

import psycopg2


def shape(cur):
    """A result as the client sees it: column names and type OIDs, status, row count and rows."""
    return {
        "columns": [[c.name, c.type_code] for c in cur.description] if cur.description else None,
        "status": cur.statusmessage,
        "rowcount": cur.rowcount,
        "rows": [list(r) for r in cur.fetchall()] if cur.description else None,
    }


def error_fields(e):
    """The fields of an ErrorResponse that must reach the client unchanged."""
    d = e.diag
    return {
        "pgcode": e.pgcode,
        "pgerror": e.pgerror,
        "severity": d.severity_nonlocalized,
        "sqlstate": d.sqlstate,
        "message": d.message_primary,
        "position": d.statement_position,
        "detail": d.message_detail,
        "hint": d.message_hint,
    }


def main():
    dsn, statements = sys.argv[1], json.loads(sys.argv[2])
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    cur = conn.cursor()

    def run(step, sql, params=None):
        try:
            cur.execute(sql, params)
            out = {"step": step, "result": shape(cur)}
        except psycopg2.Error as e:
            out = {"step": step, "error": error_fields(e)}
        print(json.dumps(out, default=str), flush=True)

    # Outside a transaction (autocommit): the statements the gateway may split.
    run("parallel", statements["parallel"])
    run("parallel with client-side parameters", statements["parallelParams"], (statements["args"][0],))
    run("passthrough", statements["passthrough"])
    for case in statements["errors"]:
        run("error " + case["code"], case["sql"])
        run("after error " + case["code"], "SELECT 2 AS two")
    run("failing parallel", statements["splitError"])
    run("after failing parallel", statements["parallel"])

    # Server-side prepared statement: PREPARE once, EXECUTE with each argument.
    run("prepare", "PREPARE by_quantity(numeric) AS " + statements["prepared"])
    for arg in statements["args"]:
        run("execute " + arg, "EXECUTE by_quantity(%s)", (arg,))
    run("server-side statements", "SELECT name, statement, parameter_types::text[], from_sql FROM pg_prepared_statements")

    # Transactions, the DB-API way: autocommit off, commit() and rollback().
    run("create", statements["createScratch"])
    conn.autocommit = False
    table = statements["scratch"]
    run("insert", "INSERT INTO " + table + " VALUES (%s, %s), (%s, %s)", (1, "one", 2, "two"))
    run("read own writes", "SELECT * FROM " + table + " ORDER BY id")
    run("analytic in transaction", statements["parallel"])
    conn.rollback()
    run("after rollback", "SELECT count(*) FROM " + table)
    conn.commit()
    run("failing in transaction", "SELECT 1/0")
    run("in aborted transaction", "SELECT 1")
    conn.rollback()
    run("insert again", "INSERT INTO " + table + " VALUES (%s, %s), (%s, %s)", (1, "one", 2, None))
    conn.commit()
    run("after commit", "SELECT * FROM " + table + " ORDER BY id")
    run("duplicate key", "INSERT INTO " + table + " VALUES (%s, %s)", (1, "again"))
    conn.rollback()
    print(json.dumps({"step": "transaction status", "result": conn.get_transaction_status()}), flush=True)
    conn.close()


if __name__ == "__main__":
    main()
