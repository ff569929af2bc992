/**
 * @models the API server's name and format checks (k8s.io/apimachinery)
 *
 * The string formats the Kubernetes API server enforces in Go code (not in its OpenAPI schema), with
 * the regexes and messages of Kubernetes 1.35's k8s.io/apimachinery (tag v0.35.0):
 * pkg/util/validation/validation.go (V: DNS-1123/1035 names, port names, env var names; its
 * MaxLenError says "characters") and pkg/api/validate/content/{dns,kube,errors}.go (C: label keys and
 * values, whose MaxLenError says "bytes"). Go's len() counts UTF-8 bytes, so lengths here do too.
 * Each function returns the problems, empty when the value is valid.
 */

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?';
const labelKeyCharFmt = '[A-Za-z0-9]';
const labelKeyExtCharFmt = '[-A-Za-z0-9_.]';
const labelKeyFmt = `(${labelKeyCharFmt}${labelKeyExtCharFmt}*)?${labelKeyCharFmt}`;
const labelValueFmt = `(${labelKeyFmt})?`;

const anchored = (fmt: string): RegExp => new RegExp(`^${fmt}$`);
const dns1123Label = anchored(dns1123LabelFmt);
const dns1123Subdomain = anchored(dns1123SubdomainFmt);
const dns1035Label = anchored(dns1035LabelFmt);
const labelKeyName = anchored(labelKeyFmt);
const labelValue = anchored(labelValueFmt);

/** Go's len(): UTF-8 bytes. */
const len = (value: string): number => Buffer.byteLength(value, 'utf8');
/** V: MaxLenError. */
const maxLen = (n: number): string => `must be no more than ${n} characters`;
/** C: MaxLenError. */
const maxLenBytes = (n: number): string => `must be no more than ${n} bytes`;
const regexError = (msg: string, fmt: string, ...examples: string[]): string =>
  examples.length === 0
    ? `${msg} (regex used for validation is '${fmt}')`
    : `${msg} (e.g. ${examples.map((e) => `'${e}'`).join(' or ')}, regex used for validation is '${fmt}')`;

/** V: IsDNS1123Label: lower-case alphanumerics and '-', alphanumeric at both ends, ≤ 63. */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (len(value) > 63) errs.push(maxLen(63));
  if (!dns1123Label.test(value)) {
    errs.push(
      dns1123Subdomain.test(value)
        ? 'must not contain dots'
        : regexError(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
            dns1123LabelFmt,
            'my-name',
            '123-abc',
          ),
    );
  }
  return errs;
}

/** V and C: IsDNS1123Subdomain: dot-separated DNS-1123 labels, ≤ 253 (C's message says bytes). */
export function isDNS1123Subdomain(value: string, tooLong = maxLen): string[] {
  const errs: string[] = [];
  if (len(value) > 253) errs.push(tooLong(253));
  if (!dns1123Subdomain.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        dns1123SubdomainFmt,
        'example.com',
      ),
    );
  }
  return errs;
}

/** V: IsDNS1035Label: like a DNS-1123 label, but starting with a letter. */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (len(value) > 63) errs.push(maxLen(63));
  if (!dns1035Label.test(value)) {
    errs.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        dns1035LabelFmt,
        'my-name',
        'abc-123',
      ),
    );
  }
  return errs;
}

/** C: IsLabelKey (IsQualifiedName): an optional DNS-1123 subdomain prefix and '/', then a name ≤ 63. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...isDNS1123Subdomain(prefix, maxLenBytes).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a valid label key ${regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", labelKeyFmt, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (len(name) > 63) errs.push(`name part ${maxLenBytes(63)}`);
  if (!labelKeyName.test(name)) {
    errs.push(
      `name part ${regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", labelKeyFmt, 'MyName', 'my.name', '123-abc')}`,
    );
  }
  return errs;
}

/** C: IsLabelValue: empty, or a label-key name of ≤ 63 bytes. */
export function isLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (len(value) > 63) errs.push(maxLenBytes(63));
  if (!labelValue.test(value)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        labelValueFmt,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  }
  return errs;
}

/** V: IsValidPortName (IANA_SVC_NAME): ≤ 15, [-a-z0-9], at least one letter, no '--', no '-' at either end. */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (len(port) > 15) errs.push(maxLen(15));
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.startsWith('-') || port.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

/**
 * V: IsRelaxedEnvVarName: non-empty, printable ASCII other than '='. Kubernetes 1.35 applies this one:
 * the RelaxedEnvironmentVariableValidation gate is GA and locked on since 1.34
 * (kubernetes/kubernetes pkg/features/kube_features.go).
 */
export function isRelaxedEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (value.length === 0) errs.push('environment variable name must be non-empty');
  if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) > 0x7e || c === '=')) {
    errs.push("a valid environment variable name must consist only of printable ASCII characters other than '='");
  }
  return errs;
}
