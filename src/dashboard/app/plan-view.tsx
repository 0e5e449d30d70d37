// The distributed plan: how the statement ran (split or whole, and why), the split, shard SQL and merge steps.
import type { PlanSummary } from './types.ts';

export function PlanView(props: { plan: unknown }) {
  const plan = (props.plan ?? {}) as PlanSummary;
  if (plan.mode !== 'parallel') {
    return (
      <dl className="facts">
        <dt>Mode</dt>
        <dd>
          <span className="badge passthrough">passthrough</span>
        </dd>
        <dt>Why</dt>
        <dd>{plan.reason ?? 'not split'}</dd>
      </dl>
    );
  }
  return (
    <div>
      <dl className="facts">
        <dt>Mode</dt>
        <dd>
          <span className="badge parallel">parallel</span>
        </dd>
        {plan.table && (
          <>
            <dt>Table</dt>
            <dd>{plan.table}</dd>
          </>
        )}
        <dt>Strategy</dt>
        <dd>{plan.strategy}</dd>
        {plan.chunks !== undefined && (
          <>
            <dt>Chunks</dt>
            <dd>{plan.chunks}</dd>
          </>
        )}
        {plan.merge?.kind && (
          <>
            <dt>Merge</dt>
            <dd>{plan.merge.kind}</dd>
          </>
        )}
      </dl>
      {plan.shardSql && (
        <>
          <h4>Shard SQL</h4>
          <pre className="code">{plan.shardSql}</pre>
        </>
      )}
      {plan.branches?.map((b, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: branches are positional
        <details key={i}>
          <summary>
            Branch {i + 1}: {b.mode}
            {b.table ? ` on ${b.table}` : ''}
          </summary>
          <PlanView plan={b} />
        </details>
      ))}
      {plan.merge?.steps && plan.merge.steps.length > 0 && (
        <>
          <h4>Merge steps</h4>
          <ol className="steps">
            {plan.merge.steps.map((s, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: steps are positional
              <li key={i}>{typeof s === 'string' ? s : JSON.stringify(s)}</li>
            ))}
          </ol>
        </>
      )}
    </div>
  );
}
