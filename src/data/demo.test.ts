// Integration tests for the demo data set: loads it into a private database and checks shape, NULLs and determinism.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { withDatabase } from '../pg/embedded.ts';
import { loadDemo } from './demo.ts';

const database = `mb_data_demo_${process.pid}_${Date.now()}`;
let admin: pg.Client;
let client: pg.Client;
let loaded: { tables: { name: string; rows: number }[] };
const progress: [number, number][] = [];

async function scalar(sql: string): Promise<unknown> {
  const result = await client.query(sql);
  return Object.values(result.rows[0] ?? {})[0];
}

async function employeesHash(): Promise<unknown> {
  return await scalar(`select md5(string_agg(e::text, '|' order by id)) from employees e`);
}

beforeAll(async () => {
  const url = inject('databaseUrl');
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  client = new pg.Client({ connectionString: withDatabase(url, database) });
  await client.connect();
  loaded = await loadDemo(client, { seed: 42, onProgress: (d, t) => progress.push([d, t]) });
});

afterAll(async () => {
  await client?.end();
  await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin?.end();
});

describe('loadDemo', () => {
  it('loads 12 departments and 21,000 employees by default', async () => {
    expect(loaded.tables).toEqual([
      { name: 'departments', rows: 12 },
      { name: 'employees', rows: 21_000 },
    ]);
    expect(await scalar('select count(*)::int from departments')).toBe(12);
    expect(await scalar('select count(*)::int from employees')).toBe(21_000);
  });

  it('reports progress as rows go in', () => {
    expect(progress[0]).toEqual([0, 21_012]);
    expect(progress.at(-1)).toEqual([21_012, 21_012]);
    expect(progress.length).toBeGreaterThan(20);
  });

  it.each([
    ['departments', 'PRIMARY KEY (id)'],
    ['employees', 'PRIMARY KEY (id)'],
    ['employees', 'FOREIGN KEY (department_id) REFERENCES departments(id)'],
  ])('%s has %s', async (table, definition) => {
    const r = await client.query(
      'select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = $1::regclass',
      [table],
    );
    expect(r.rows.map((row) => row.def)).toContain(definition);
  });

  it('indexes employees(department_id) and has statistics', async () => {
    expect(
      await scalar(`select indexdef from pg_indexes where indexname = 'employees_department_id_idx'`),
    ).toMatch(/\(department_id\)/);
    expect(await scalar(`select count(*)::int from pg_stats where tablename = 'employees'`)).toBe(10);
  });

  it('skews department sizes', async () => {
    const sizes = await client.query<{ n: number }>(
      'select count(*)::int as n from employees where department_id is not null group by department_id order by 1',
    );
    const counts = sizes.rows.map((r) => r.n);
    expect(counts).toHaveLength(12);
    expect((counts.at(-1) ?? 0) / (counts[0] ?? 1)).toBeGreaterThan(20);
  });

  it.each([
    ['departments', 'location'],
    ['departments', 'budget'],
    ['employees', 'department_id'],
    ['employees', 'first_name'],
    ['employees', 'email'],
    ['employees', 'salary'],
    ['employees', 'hire_date'],
    ['employees', 'manager_id'],
    ['employees', 'active'],
    ['employees', 'bonus_pct'],
  ])('%s.%s has some NULLs, but not mostly', async (table, column) => {
    const r = await client.query(
      `select count(*) filter (where ${column} is null)::int as nulls, count(*)::int as n from ${table}`,
    );
    expect(r.rows[0].nulls).toBeGreaterThan(0);
    expect(r.rows[0].nulls / r.rows[0].n).toBeLessThan(0.5);
  });

  it.each([
    [
      'managers are earlier employees of the same department (heads report to the CEO)',
      `select count(*)::int from employees e join employees m on m.id = e.manager_id
        where m.id >= e.id or (m.department_id is distinct from e.department_id and m.id <> 1)`,
      0,
    ],
    [
      'only the CEO and employees without a department have no manager',
      `select count(*)::int from employees where manager_id is null and department_id is not null and id <> 1`,
      0,
    ],
    ['salaries are positive', 'select count(*)::int from employees where salary <= 0', 0],
    [
      'hire dates are 2008..2024',
      `select count(*)::int from employees where hire_date not between '2008-01-01' and '2024-12-31'`,
      0,
    ],
    [
      'bonuses are quarter percents up to 20',
      'select count(*)::int from employees where bonus_pct * 4 <> trunc(bonus_pct * 4) or bonus_pct not between 0 and 20',
      0,
    ],
    [
      'e-mails are unique',
      'select count(*)::int from (select email from employees group by email having count(*) > 1) d where email is not null',
      0,
    ],
  ])('%s', async (_rule, sql, expected) => {
    expect(await scalar(sql)).toBe(expected);
  });

  it.each([
    ['last_name', "O'Brien"],
    ['first_name', 'Zoë'],
    ['first_name', 'Łukasz'],
    ['last_name', 'van der Berg'],
  ])('stores %s %s intact', async (column, value) => {
    const r = await client.query(`select count(*)::int as n from employees where ${column} = $1`, [value]);
    expect(r.rows[0].n).toBeGreaterThan(0);
  });

  it('honours the employees option', async () => {
    const calls: number[] = [];
    const result = await loadDemo(client, {
      seed: 1,
      employees: 2_500,
      onProgress: (done) => calls.push(done),
    });
    expect(result.tables[1]).toEqual({ name: 'employees', rows: 2_500 });
    expect(await scalar('select count(*)::int from employees')).toBe(2_500);
    expect(calls).toEqual([0, 12, 1_012, 2_012, 2_512]);
  });

  it('loads the same data for the same seed and different data for another', async () => {
    await loadDemo(client, { seed: 42 });
    const first = await employeesHash();
    const departments = await scalar(`select md5(string_agg(d::text, '|' order by id)) from departments d`);
    await loadDemo(client, { seed: 7 });
    expect(await employeesHash()).not.toBe(first);
    await loadDemo(client, { seed: 42 });
    expect(await employeesHash()).toBe(first);
    expect(await scalar(`select md5(string_agg(d::text, '|' order by id)) from departments d`)).toBe(
      departments,
    );
  });
});
