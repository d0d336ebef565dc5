/**
 * `#/meshes/{mesh}/traffic?source=TAGS&destination=TAGS`: who may talk to whom. Asks the same
 * engine as `zmctl inspect traffic` (`POST /meshes/{mesh}/_inspect/traffic`) and shows the
 * decision, the deciding policy and why. The question lives in the link, so it survives a reload
 * and can be shared.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, getAll, postJson, segment } from '../api-client.ts';
import { ErrorNotice, PageHeader, Section } from '../components/ui.tsx';
import { parseTags } from '../format.ts';
import { href, navigate, withQuery } from '../hash-route.ts';
import { pluralOf, readDecision, readList, readService, type TrafficDecision } from '../models.ts';
import { usePolled } from '../live-data.ts';

const verdictText: Readonly<Record<TrafficDecision['decision'], string>> = {
  ALLOW: 'Allowed',
  DENY: 'Denied',
  SHADOW: 'Allowed, logged as denied (shadow)',
};

function Verdict(props: { mesh: string; decision: TrafficDecision }) {
  const { decision, mesh } = props;
  const plural = decision.policy === null ? undefined : pluralOf(decision.policy.type);
  return (
    <div
      class={`verdict verdict-${decision.decision.toLowerCase()}`}
      data-testid="verdict"
      data-decision={decision.decision}
    >
      <div class="verdict-word">{decision.decision}</div>
      <div class="verdict-body">
        <div class="verdict-title">{verdictText[decision.decision]}</div>
        <div class="verdict-policy">
          Deciding policy:{' '}
          {decision.policy === null ? (
            <span class="muted">none</span>
          ) : plural === undefined ? (
            <strong>
              {decision.policy.type} {decision.policy.name}
            </strong>
          ) : (
            <a
              href={href('meshes', mesh, 'policies', plural, decision.policy.name)}
              data-testid="verdict-policy"
            >
              {decision.policy.type} {decision.policy.name}
            </a>
          )}
        </div>
        <div class="verdict-reason" data-testid="verdict-reason">
          {decision.reason}
        </div>
      </div>
    </div>
  );
}

/** The traffic page. */
export function TrafficPage(props: { mesh: string; query: URLSearchParams }) {
  const askedSource = props.query.get('source') ?? '';
  const askedDestination = props.query.get('destination') ?? '';
  const [source, setSource] = useState(askedSource);
  const [destination, setDestination] = useState(askedDestination);
  const [problems, setProblems] = useState<{ source?: string; destination?: string }>({});
  const [answer, setAnswer] = useState<{ decision?: TrafficDecision; error?: ApiError; pending: boolean }>({
    pending: false,
  });
  const services = usePolled(`services:${props.mesh}`, async () =>
    readList(await getAll(`/meshes/${segment(props.mesh)}/services`), readService),
  );

  // The question in the link is the one answered: on load, on reload, on back/forward.
  useEffect(() => {
    setSource(askedSource);
    setDestination(askedDestination);
    if (askedSource === '' || askedDestination === '') {
      setAnswer({ pending: false });
      return;
    }
    const from = parseTags(askedSource);
    const to = parseTags(askedDestination);
    if ('problem' in from || 'problem' in to) {
      setProblems({
        ...('problem' in from ? { source: from.problem } : {}),
        ...('problem' in to ? { destination: to.problem } : {}),
      });
      return;
    }
    let current = true;
    setAnswer({ pending: true });
    postJson(`/meshes/${segment(props.mesh)}/_inspect/traffic`, { source: from.tags, destination: to.tags })
      .then((body) => {
        const decision = readDecision(body);
        if (!current) return;
        setAnswer(
          decision === undefined
            ? {
                pending: false,
                error: new ApiError(
                  'unexpected',
                  'the control plane answered with something that is not a decision',
                ),
              }
            : { pending: false, decision },
        );
      })
      .catch((err: unknown) => {
        if (current)
          setAnswer({
            pending: false,
            error: err instanceof ApiError ? err : new ApiError('unexpected', String(err)),
          });
      });
    return () => {
      current = false;
    };
  }, [props.mesh, askedSource, askedDestination]);

  const submit = (event: Event): void => {
    event.preventDefault();
    const from = parseTags(source);
    const to = parseTags(destination);
    const next: { source?: string; destination?: string } = {};
    if ('problem' in from) next.source = from.problem;
    if ('problem' in to) next.destination = to.problem;
    else if (to.tags['kuma.io/service'] === undefined) next.destination = 'must include kuma.io/service';
    setProblems(next);
    if (next.source !== undefined || next.destination !== undefined) return;
    navigate(
      withQuery(href('meshes', props.mesh, 'traffic'), {
        source: source.trim(),
        destination: destination.trim(),
      }),
    );
  };

  const suggestions = (services.data ?? []).map((service) => `kuma.io/service=${service.name}`);
  return (
    <>
      <PageHeader
        eyebrow={`Mesh ${props.mesh}`}
        title="Who may talk to whom"
        lede="Give a client's tags and a destination's tags: the answer comes from the same policy engine as zmctl inspect traffic and the proxies' permission rules."
      />
      <Section>
        <form class="inspect-form" onSubmit={submit} data-testid="traffic-form">
          <label class="field">
            <span class="field-label">Source (the client)</span>
            <input
              name="source"
              class={problems.source === undefined ? 'input mono' : 'input mono input-bad'}
              list="service-tags"
              placeholder="kuma.io/service=frontend"
              value={source}
              onInput={(event) => setSource(event.currentTarget.value)}
              autocomplete="off"
              spellcheck={false}
            />
            <span class="field-hint">{problems.source ?? 'Tags as name=value, separated by commas'}</span>
          </label>
          <span class="arrow" aria-hidden="true">
            →
          </span>
          <label class="field">
            <span class="field-label">Destination (an inbound)</span>
            <input
              name="destination"
              class={problems.destination === undefined ? 'input mono' : 'input mono input-bad'}
              list="service-tags"
              placeholder="kuma.io/service=backend,version=v1"
              value={destination}
              onInput={(event) => setDestination(event.currentTarget.value)}
              autocomplete="off"
              spellcheck={false}
            />
            <span class="field-hint">{problems.destination ?? 'Must include kuma.io/service'}</span>
          </label>
          <button type="submit" class="button button-primary" disabled={answer.pending}>
            {answer.pending ? 'Checking…' : 'Check'}
          </button>
          <datalist id="service-tags">
            {suggestions.map((value) => (
              <option key={value} value={value} />
            ))}
          </datalist>
        </form>
      </Section>
      {answer.error === undefined ? null : <ErrorNotice error={answer.error} what="the decision" />}
      {answer.decision === undefined ? (
        askedSource === '' ? (
          <p class="hint-text">
            For example: source <code>kuma.io/service=frontend</code>, destination{' '}
            <code>kuma.io/service=backend1</code>.
          </p>
        ) : null
      ) : (
        <Verdict mesh={props.mesh} decision={answer.decision} />
      )}
    </>
  );
}
