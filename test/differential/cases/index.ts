// Every differential case, from all theme files.
import type { DiffCase } from '../case.ts';
import { cases as aggregates } from './aggregates.ts';
import { cases as demo } from './demo.ts';
import { cases as distinct } from './distinct.ts';
import { cases as edge } from './edge.ts';
import { cases as groupBy } from './group-by.ts';
import { cases as joins } from './joins.ts';
import { cases as orderLimit } from './order-limit.ts';
import { cases as params } from './params.ts';
import { cases as passthrough } from './passthrough.ts';
import { cases as scans } from './scans.ts';
import { cases as subqueriesCtes } from './subqueries-ctes.ts';
import { cases as tpchVariants } from './tpch-variants.ts';
import { cases as types } from './types.ts';
import { cases as union } from './union.ts';

export const allCases: DiffCase[] = [
  ...aggregates,
  ...groupBy,
  ...orderLimit,
  ...distinct,
  ...joins,
  ...subqueriesCtes,
  ...union,
  ...params,
  ...types,
  ...scans,
  ...passthrough,
  ...demo,
  ...tpchVariants,
  ...edge,
];
