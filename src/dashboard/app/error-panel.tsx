// A failed statement: its SQLSTATE, message and PostgreSQL's position, detail and hint.
import type { ApiErrorBody } from './types.ts';

export function ErrorPanel(props: { error: ApiErrorBody }) {
  const { code, message, position, detail, hint } = props.error;
  return (
    <div className="error" role="alert" data-testid="query-error">
      <strong>
        ERROR <span className="sqlstate">{code}</span>
      </strong>{' '}
      {message}
      {position && <div>at character {position}</div>}
      {detail && <div>Detail: {detail}</div>}
      {hint && <div>Hint: {hint}</div>}
    </div>
  );
}
