import { Injectable } from '@nestjs/common';

/** Whether this node is draining (DESIGN decision 8): readiness fails and new work is refused. */
@Injectable()
export class DrainState {
  draining = false;
}
