import { z } from 'zod';

/** The conversation object (vorel-api.md §1); unknown keys are dropped. */
export const conversationSchema = z.object({
  id: z.string(),
  channel: z.string(),
  customer_identifier: z.string(),
  status: z.string(),
  created_at: z.string(),
  customer_name: z.string().nullable(),
  customer_language: z.string().nullable(),
  // Not used by this tool: a server that leaves them out must not turn an applied write into a failure.
  first_message_at: z.string().nullable().default(null),
  last_message_at: z.string().nullable().default(null),
});

export type Conversation = z.infer<typeof conversationSchema>;
