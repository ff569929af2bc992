/** One failing input, as RFC 9457 problem details list it under `errors`. */
export interface FieldError {
  /** Where the bad value is: a JSON path into the body (`items.0.quantity`) or a header name. */
  readonly field: string;
  readonly message: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** An error that maps to one RFC 9457 problem+json response. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly title: string;
  readonly errors: readonly FieldError[] | undefined;
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(
    status: number,
    detail: string,
    options: { errors?: readonly FieldError[]; title?: string; extensions?: Record<string, unknown> } = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
    this.status = status;
    this.title = options.title ?? TITLES[status] ?? 'Error';
    this.errors = options.errors;
    this.extensions = options.extensions ?? {};
  }

  toJSON(instance?: string): Record<string, unknown> {
    return {
      type: 'about:blank',
      title: this.title,
      status: this.status,
      detail: this.message,
      ...(instance === undefined ? {} : { instance }),
      ...(this.errors === undefined ? {} : { errors: this.errors }),
      ...this.extensions,
    };
  }
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
