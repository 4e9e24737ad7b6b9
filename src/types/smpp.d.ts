// The parts of the untyped `smpp` package (0.5.1) this project uses: the client and server
// sessions, and PDUs as plain objects whose fields are named as in the SMPP 3.4 specification.
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';

  namespace smpp {
    class PDU {
      constructor(command: string, options?: Record<string, unknown>);
      command: string;
      command_id: number;
      command_status: number;
      sequence_number: number;
      /** Body fields and TLVs, decoded by the package (short_message becomes `{ message, udh? }`). */
      [field: string]: unknown;
      isResponse(): boolean;
      response(options?: Record<string, unknown>): PDU;
    }

    class Session extends EventEmitter {
      socket: Socket;
      /** false when the socket is no longer writable (nothing was sent). Assigns sequence_number. */
      send(pdu: PDU, responseCallback?: (pdu: PDU) => void, sendCallback?: (pdu: PDU) => void): boolean;
      close(callback?: () => void): void;
      destroy(callback?: () => void): void;
    }

    class Server extends NetServer {}

    function connect(options: { host: string; port: number }): Session;
    function createServer(options: Record<string, never>, listener: (session: Session) => void): Server;
  }

  export = smpp;
}
