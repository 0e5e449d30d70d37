// PgJDBC scenario for test/clients/jdbc.test.ts: runs the statements it is given, prints one JSON line per step.
// Usage: java -cp /usr/share/java/postgresql.jar JdbcClient.java JDBC_URL USER PASSWORD KEY SQL [KEY SQL ...]
// Keys: parallel, passthrough, prepared, splitError, arg (repeated), error (repeated), scratch, createScratch.

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.postgresql.PGResultSetMetaData;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

public class JdbcClient {
  interface Step {
    Object run(Connection c) throws SQLException;
  }

  interface Attempt {
    Object run() throws SQLException;
  }

  private static String url;
  private static final Properties base = new Properties();
  private static final Map<String, List<String>> sql = new LinkedHashMap<>();

  public static void main(String[] args) throws Exception {
    url = args[0];
    base.setProperty("user", args[1]);
    base.setProperty("password", args[2]);
    for (int i = 3; i + 1 < args.length; i += 2) {
      sql.computeIfAbsent(args[i], k -> new ArrayList<>()).add(args[i + 1]);
    }

    // Simple query protocol: the only one the gateway splits today.
    try (Connection c = connect("preferQueryMode", "simple")) {
      common("simple", c);
      transaction("simple", c);
    }
    // Extended protocol with named server-side statements from the first execution on.
    try (Connection c = connect("prepareThreshold", "1")) {
      common("extended", c);
      prepared("extended", c);
      transaction("extended", c);
    }
    // Binary results from the first execution on (prepareThreshold=-1), numeric included.
    try (Connection c =
        connect("prepareThreshold", "-1", "binaryTransferEnable", "NUMERIC")) {
      prepared("binary", c);
    }
  }

  private static Connection connect(String... props) throws SQLException {
    Properties p = new Properties();
    p.putAll(base);
    for (int i = 0; i + 1 < props.length; i += 2) p.setProperty(props[i], props[i + 1]);
    return DriverManager.getConnection(url, p);
  }

  private static String one(String key) {
    return sql.get(key).get(0);
  }

  /** Statements every mode runs: analytic (split candidate), passthrough, errors. */
  private static void common(String mode, Connection c) {
    step(mode, "parallel", c, conn -> query(conn, one("parallel")));
    step(mode, "passthrough", c, conn -> query(conn, one("passthrough")));
    for (String bad : sql.get("error")) {
      step(mode, "error " + bad, c, conn -> query(conn, bad));
      step(mode, "error prepared " + bad, c, conn -> prepare(conn, bad, List.of()));
      step(mode, "after error " + bad, c, conn -> query(conn, "SELECT 2 AS two"));
    }
    step(mode, "failing parallel", c, conn -> query(conn, one("splitError")));
    step(mode, "after failing parallel", c, conn -> query(conn, one("parallel")));
  }

  /** One PreparedStatement executed with every argument, twice over (named statement reused). */
  private static void prepared(String mode, Connection c) {
    step(mode, "prepared", c, conn -> {
      List<Object> runs = new ArrayList<>();
      try (PreparedStatement ps = conn.prepareStatement(one("prepared"))) {
        for (int round = 0; round < 2; round++) {
          for (String arg : sql.get("arg")) {
            ps.setBigDecimal(1, new BigDecimal(arg));
            try (ResultSet rs = ps.executeQuery()) {
              runs.add(result(rs));
            }
          }
        }
      }
      return runs;
    });
    step(mode, "server-side statements", c, conn -> query(conn,
        "SELECT statement, parameter_types::text[] AS types, from_sql FROM pg_prepared_statements"
            + " WHERE statement LIKE '%lineitem%' ORDER BY statement"));
  }

  private static void transaction(String mode, Connection c) {
    String t = one("scratch");
    step(mode, "create", c, conn -> update(conn, one("createScratch"), List.of()));
    step(mode, "transaction", c, conn -> {
      List<Object> log = new ArrayList<>();
      conn.setAutoCommit(false);
      try (PreparedStatement ins = conn.prepareStatement("INSERT INTO " + t + " VALUES (?, ?)")) {
        ins.setInt(1, 1);
        ins.setString(2, "one");
        ins.addBatch();
        ins.setInt(1, 2);
        ins.setString(2, "two");
        ins.addBatch();
        log.add(List.of(ins.executeBatch().length));
      }
      log.add(query(conn, "SELECT * FROM " + t + " ORDER BY id"));
      log.add(query(conn, one("parallel")));
      log.add(query(conn, "SELECT count(*) AS n FROM " + t));
      conn.rollback();
      log.add(query(conn, "SELECT count(*) AS n FROM " + t));
      conn.commit();
      log.add(attempt(() -> query(conn, "SELECT 1/0")));
      log.add(attempt(() -> query(conn, "SELECT 1")));
      conn.rollback();
      log.add(update(conn, "INSERT INTO " + t + " VALUES (?, ?), (?, ?)", Arrays.asList(1, "one", 2, null)));
      conn.commit();
      log.add(query(conn, "SELECT * FROM " + t + " ORDER BY id"));
      log.add(attempt(() -> update(conn, "INSERT INTO " + t + " VALUES (?, ?)", List.of(1, "again"))));
      conn.rollback();
      conn.setAutoCommit(true);
      return log;
    });
  }

  private static Object query(Connection conn, String text) throws SQLException {
    try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(text)) {
      return result(rs);
    }
  }

  private static Object prepare(Connection conn, String text, List<Object> params) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(text)) {
      for (int i = 0; i < params.size(); i++) ps.setObject(i + 1, params.get(i));
      try (ResultSet rs = ps.executeQuery()) {
        return result(rs);
      }
    }
  }

  private static Object update(Connection conn, String text, List<Object> params) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(text)) {
      for (int i = 0; i < params.size(); i++) ps.setObject(i + 1, params.get(i));
      return Map.of("updated", ps.executeUpdate());
    }
  }

  /** Columns (label, type name, type code, wire format 0 text / 1 binary) and rows as strings. */
  private static Object result(ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    PGResultSetMetaData pg = md.unwrap(PGResultSetMetaData.class);
    List<Object> columns = new ArrayList<>();
    for (int i = 1; i <= md.getColumnCount(); i++) {
      columns.add(List.of(md.getColumnLabel(i), md.getColumnTypeName(i), md.getColumnType(i), pg.getFormat(i)));
    }
    List<Object> rows = new ArrayList<>();
    while (rs.next()) {
      List<Object> row = new ArrayList<>();
      for (int i = 1; i <= md.getColumnCount(); i++) row.add(rs.getString(i));
      rows.add(row);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("columns", columns);
    out.put("rows", rows);
    return out;
  }

  private static Object attempt(Attempt a) {
    try {
      return a.run();
    } catch (SQLException e) {
      return error(e);
    }
  }

  private static void step(String mode, String name, Connection c, Step s) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("mode", mode);
    out.put("step", name);
    try {
      out.put("result", s.run(c));
    } catch (SQLException e) {
      out.put("error", error(e));
    }
    System.out.println(json(out));
  }

  /** The fields of an ErrorResponse that must reach the client unchanged. */
  private static Object error(SQLException e) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("sqlState", e.getSQLState());
    ServerErrorMessage m = e instanceof PSQLException ? ((PSQLException) e).getServerErrorMessage() : null;
    if (m == null) {
      out.put("message", e.getMessage());
      return out;
    }
    out.put("severity", m.getSeverity());
    out.put("message", m.getMessage());
    out.put("position", m.getPosition());
    out.put("detail", m.getDetail());
    out.put("hint", m.getHint());
    return out;
  }

  private static String json(Object v) {
    if (v == null) return "null";
    if (v instanceof Number || v instanceof Boolean) return v.toString();
    if (v instanceof Map) {
      StringBuilder b = new StringBuilder("{");
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        if (b.length() > 1) b.append(',');
        b.append(json(String.valueOf(e.getKey()))).append(':').append(json(e.getValue()));
      }
      return b.append('}').toString();
    }
    if (v instanceof List) {
      StringBuilder b = new StringBuilder("[");
      for (Object o : (List<?>) v) {
        if (b.length() > 1) b.append(',');
        b.append(json(o));
      }
      return b.append(']').toString();
    }
    StringBuilder b = new StringBuilder("\"");
    for (char ch : v.toString().toCharArray()) {
      switch (ch) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
          else b.append(ch);
        }
      }
    }
    return b.append('"').toString();
  }
}
