/** A URL fit for logs and error messages (Redis, PostgreSQL): its user and password replaced. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/)?[^@/]*@/i, "$1***@");
}
