// The demo data set: `departments` and a skewed `employees` table with NULLs, loaded with COPY.
import type pg from 'pg';
import type { CopyBatch } from './copy.ts';
import { CopyWriter } from './copy-writer.ts';
import { DEPARTMENTS, FIRST_NAMES, LAST_NAMES } from './demo-names.ts';
import { loadTable } from './load-table.ts';
import { dayNumber, formatDay, mixSeed, Random, weighted } from './random.ts';

export interface DemoLoadOptions {
  /** Seed of all random choices (default 42). */
  seed?: number;
  /** Number of employees (default 21,000). */
  employees?: number;
  /** Called as rows are sent, with rows done and rows in total. */
  onProgress?: (done: number, total: number) => void;
}

const DEPARTMENT_COLUMNS = 'id int PRIMARY KEY, name text NOT NULL, location text, budget numeric(14,2)';
// The foreign key on department_id is added after COPY: a row trigger would slow the load row by row.
const EMPLOYEE_COLUMNS = `id int PRIMARY KEY, department_id int, first_name text,
  last_name text, email text, salary numeric(10,2), hire_date date, manager_id int NULL, active boolean,
  bonus_pct double precision NULL`;

/** The CEO: employee 1, in the Executive Office; every department head reports to them. */
const CEO_ID = 1;
const departmentId = (name: string): number => DEPARTMENTS.findIndex((d) => d.name === name) + 1;
const EXECUTIVE_OFFICE = departmentId('Executive Office');
/** Sales gets bonuses more often and larger ones. */
const SALES = departmentId('Sales');
/** Employees without a department (contractors) are paid like Operations. */
const OPERATIONS = departmentId('Operations');
const DEPARTMENT_WEIGHTS = weighted(DEPARTMENTS.map((d, i) => [i + 1, d.weight] as const));
const FIRST_HIRE = dayNumber('2008-01-01');
const LAST_HIRE = dayNumber('2024-12-31');
const PER_BATCH = 1_000;

function renderDepartments(seed: number): CopyBatch {
  const rng = new Random(mixSeed(seed, 1));
  const w = new CopyWriter(4096);
  DEPARTMENTS.forEach((d, i) => {
    w.int(i + 1)
      .tab()
      .text(d.name)
      .tab()
      .text(d.location)
      .tab();
    // Budgets scale with headcount; one department keeps its budget confidential (NULL).
    if (d.hasBudget) w.cents(d.weight * rng.int(150_000, 400_000) * 100 + rng.int(0, 99));
    else w.text(null);
    w.end();
  });
  return { data: w.take(), rows: DEPARTMENTS.length };
}

/** An e-mail local part: accents stripped, only letters kept (`Siobhán O'Brien` → `siobhan.obrien`). */
function mailName(first: string, last: string): string {
  const ascii = (s: string) =>
    s
      .normalize('NFD')
      .replace(/[^A-Za-z]/g, '')
      .toLowerCase();
  return `${ascii(first)}.${ascii(last)}`;
}

/** Employees in id order; managers are earlier employees of the same department, so ids are a valid tree. */
function* renderEmployees(seed: number, count: number): Generator<CopyBatch> {
  const rng = new Random(mixSeed(seed, 2));
  const managers = new Map<number, number[]>();
  const emails = new Set<string>();
  const w = new CopyWriter();
  for (let from = 1; from <= count; from += PER_BATCH) {
    const to = Math.min(count, from + PER_BATCH - 1);
    for (let id = from; id <= to; id++) {
      const department =
        id === CEO_ID ? EXECUTIVE_OFFICE : rng.chance(0.005) ? null : rng.weighted(DEPARTMENT_WEIGHTS);
      const first = rng.pick(FIRST_NAMES);
      const last = rng.pick(LAST_NAMES);
      let email = `${mailName(first, last)}@example.com`;
      if (emails.has(email)) email = `${mailName(first, last)}${id}@example.com`;
      emails.add(email);
      let manager: number | null = null;
      if (department !== null && id !== CEO_ID) {
        const bosses = managers.get(department);
        if (bosses === undefined) {
          managers.set(department, [id]);
          manager = CEO_ID;
        } else {
          manager = rng.pick(bosses);
          if (rng.chance(0.12)) bosses.push(id);
        }
      }
      const base = DEPARTMENTS[(department ?? OPERATIONS) - 1]?.baseSalary ?? 60_000;
      // Right-skewed pay: most near the base, a long tail of senior salaries.
      const salary = Math.round(base * (0.55 + 1.6 * rng.next() ** 3) * 100);
      // More recent hires than old ones (the company grew); the CEO founded it.
      const drawn = FIRST_HIRE + Math.floor((LAST_HIRE - FIRST_HIRE + 1) * Math.sqrt(rng.next()));
      const hired = id === CEO_ID ? FIRST_HIRE : drawn;
      const activity = rng.next();
      const bonusEligible = rng.chance(department === SALES ? 0.9 : 0.6);
      w.int(id).tab();
      if (department === null) w.text(null);
      else w.int(department);
      w.tab()
        .text(rng.chance(0.003) ? null : first)
        .tab()
        .text(last)
        .tab();
      w.text(rng.chance(0.02) ? null : email).tab();
      if (rng.chance(0.01)) w.text(null);
      else w.cents(salary);
      w.tab()
        .ascii(rng.chance(0.005) ? '\\N' : formatDay(hired))
        .tab();
      if (manager === null) w.text(null);
      else w.int(manager);
      w.tab()
        .ascii(activity < 0.93 ? 't' : activity < 0.99 ? 'f' : '\\N')
        .tab();
      // Quarter percents: exact in binary, so sums do not depend on the order rows are added in.
      w.ascii(bonusEligible ? String(rng.int(0, department === SALES ? 80 : 40) * 0.25) : '\\N').end();
    }
    yield { data: w.take(), rows: to - from + 1 };
  }
}

/**
 * Drops and recreates the demo tables `departments` (12 rows) and `employees` (default 21,000; department
 * sizes skewed from ~1,000s down to a handful; some NULLs in every nullable column), indexes
 * employees(department_id) and runs ANALYZE. Each table loads in its own transaction.
 *
 * @example
 *   await loadDemo(client, { seed: 42, onProgress: (done, total) => bar.update(done, { total }) });
 */
export async function loadDemo(
  client: pg.ClientBase,
  opts: DemoLoadOptions = {},
): Promise<{ tables: { name: string; rows: number }[] }> {
  const seed = opts.seed ?? 42;
  const employees = opts.employees ?? 21_000;
  if (!Number.isSafeInteger(employees) || employees < 0) {
    throw new RangeError(`employees must be a non-negative integer, got ${employees}`);
  }
  const total = DEPARTMENTS.length + employees;
  let done = 0;
  const onRows = (rows: number) => {
    done += rows;
    opts.onProgress?.(done, total);
  };
  opts.onProgress?.(0, total);
  await client.query('DROP TABLE IF EXISTS employees, departments');
  const departments = await loadTable(
    client,
    {
      name: 'departments',
      columns: DEPARTMENT_COLUMNS,
      rows: DEPARTMENTS.length,
      batches: () => [renderDepartments(seed)],
    },
    onRows,
  );
  const employeeRows = await loadTable(
    client,
    {
      name: 'employees',
      columns: EMPLOYEE_COLUMNS,
      rows: employees,
      batches: () => renderEmployees(seed, employees),
    },
    onRows,
  );
  await client.query('ALTER TABLE employees ADD FOREIGN KEY (department_id) REFERENCES departments');
  await client.query('CREATE INDEX employees_department_id_idx ON employees (department_id)');
  await client.query('ANALYZE departments, employees');
  return {
    tables: [
      { name: 'departments', rows: departments },
      { name: 'employees', rows: employeeRows },
    ],
  };
}
