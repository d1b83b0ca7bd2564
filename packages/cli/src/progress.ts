// One self-overwriting status line on stderr for long operations; silent when stderr is not a terminal.

export interface Progress {
  update(text: string): void
  done(): void
}

export function progress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!enabled || !stream.isTTY) return { update() {}, done() {} }
  let shown = false
  return {
    update(text) {
      stream.write(`\r\u001b[2K${text}`)
      shown = true
    },
    done() {
      if (shown) stream.write('\r\u001b[2K')
      shown = false
    },
  }
}
