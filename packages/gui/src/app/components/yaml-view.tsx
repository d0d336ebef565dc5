/** A resource shown as Kuma Universal YAML, with light key highlighting and a copy button. */
import { useState } from 'preact/hooks';
import { stringify } from 'yaml';

/** Splits one YAML line into indentation, key and the rest, for colouring keys. */
function Line(props: { text: string }) {
  const match = /^(\s*(?:- )?)([^\s:#][^:#]*?):(\s|$)(.*)$/.exec(props.text);
  if (match === null) return <span class="yaml-value">{props.text}</span>;
  return (
    <>
      {match[1]}
      <span class="yaml-key">{match[2]}</span>:{match[3]}
      <span class="yaml-value">{match[4]}</span>
    </>
  );
}

/** Renders `document` as YAML. */
export function YamlView(props: { document: unknown }) {
  const [copied, setCopied] = useState(false);
  const text = stringify(props.document, { lineWidth: 0 });
  const copy = (): void => {
    void navigator.clipboard?.writeText(text).then(() => {
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    });
  };
  return (
    <div class="yaml">
      <button type="button" class="button button-quiet yaml-copy" onClick={copy}>
        {copied ? 'Copied' : 'Copy YAML'}
      </button>
      <pre data-testid="yaml">
        {text
          .trimEnd()
          .split('\n')
          .map((line, index) => (
            <div key={index} class="yaml-line">
              <Line text={line} />
            </div>
          ))}
      </pre>
    </div>
  );
}
