import type { Request, Response } from "express";

/** One route of the HTTP API: its method, its Express path under /api/v1, its handler (errors go to the API's one error handler). */
export interface Route {
  method: "get" | "post" | "put" | "delete";
  /** Express path, relative to /api/v1. */
  path: string;
  handler: (req: Request, res: Response) => Promise<void>;
}
