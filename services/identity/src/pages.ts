/**
 * The provider's pages, rendered on the server: plain HTML forms that work without JavaScript.
 * Every value is escaped; the page carries no script and loads nothing from elsewhere.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** The Content-Security-Policy of every page: nothing but the page itself and its inline style. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem}' +
  'label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.4rem;box-sizing:border-box}' +
  'button{margin-top:1rem;padding:.5rem 1rem}.error{color:#a00;font-weight:600}';

export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

export interface FormPageOptions {
  readonly uid: string;
  readonly csrf: string;
  readonly email?: string;
  readonly error?: string;
}

const errorLine = (error: string | undefined): string =>
  error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>\n`;

const credentials = (
  email: string | undefined,
  passwordAutocomplete: string,
): string => `<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" required maxlength="254" value="${escapeHtml(email ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="${passwordAutocomplete}" required>`;

/** The two forms: where each posts, what the password field fills in, and where the other one is. */
const FORMS = {
  'sign-in': {
    title: 'Sign in',
    action: 'sign-in',
    autocomplete: 'current-password',
    button: 'Sign in',
    other: (link: string) => `<p>No account yet? <a href="${link}/sign-up">Sign up</a></p>`,
  },
  'sign-up': {
    title: 'Sign up',
    action: 'sign-up',
    autocomplete: 'new-password',
    button: 'Create account',
    other: (link: string) => `<p>Have an account? <a href="${link}">Sign in</a></p>`,
  },
} as const;

function formPage(kind: keyof typeof FORMS, options: FormPageOptions, base: string): string {
  const form = FORMS[kind];
  const link = `${base}/interaction/${encodeURIComponent(options.uid)}`;
  return page(
    form.title,
    `${errorLine(options.error)}<form method="post" action="${link}/${form.action}">
<input type="hidden" name="csrf" value="${escapeHtml(options.csrf)}">
${credentials(options.email, form.autocomplete)}
<button type="submit">${form.button}</button>
</form>
${form.other(link)}`,
  );
}

export const signInPage = (options: FormPageOptions, base: string): string => formPage('sign-in', options, base);

export const signUpPage = (options: FormPageOptions, base: string): string => formPage('sign-up', options, base);

/** oidc-provider's sign-out confirmation: `form` is its own form (with its xsrf field), submitted by these buttons. */
export function signOutPage(form: string): string {
  return page(
    'Sign out',
    `${form}
<p>Do you want to sign out of the shop?</p>
<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`,
  );
}

export function messagePage(title: string, message: string): string {
  return page(title, `<p>${escapeHtml(message)}</p>`);
}
