/**
 * A standalone component showing the connection state and the members of a
 * channel, from {@link RtmService}'s signals: no subscriptions to manage,
 * and change detection runs when the state or the members change, not on
 * every heartbeat.
 */
import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';
import { RtmService } from './rtm.service.js';

@Component({
  selector: 'rtm-connection-status',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <p class="state" [class.connected]="rtm.connected()">
      {{ rtm.state() }} <small>({{ rtm.connectionState().reason }})</small>
    </p>
    @if (rtm.state() === 'DISCONNECTED') {
      <button type="button" (click)="connect()">Log in as {{ uid() }}</button>
    } @else {
      <button type="button" (click)="rtm.logout()">Log out</button>
    }
    @if (room.joined()) {
      <h2>{{ room.count() }} in {{ room.channelId }}</h2>
      <ul>
        <li>{{ uid() }} (you)</li>
        @for (member of room.members(); track member) {
          <li>{{ member }}</li>
        }
      </ul>
    }
    @if (error) {
      <p class="error">{{ error }}</p>
    }
  `,
})
export class ConnectionStatusComponent {
  readonly uid = input.required<string>();
  readonly token = input.required<string>();
  readonly channelId = input('lobby');

  protected readonly rtm = inject(RtmService);
  protected error = '';

  protected get room() {
    return this.rtm.channel(this.channelId());
  }

  protected async connect(): Promise<void> {
    this.error = '';
    try {
      await this.rtm.login(this.uid(), this.token());
      await this.room.join();
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }
}
