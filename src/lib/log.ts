/** Structured JSON logs: one object per line, which Workers Logs indexes by field. */
export function log(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields: object = {}): void {
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...fields })
  if (level === 'error') console.error(line)
  else if (level === 'warn') console.warn(line)
  else console.log(line)
}
